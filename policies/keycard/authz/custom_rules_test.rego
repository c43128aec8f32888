# METADATA
# description: |
#   Custom rules written the way a team writes them, loaded only by `opa test`: they
#   exercise the custom-rule contract in keycard.authz_test. Each rule fires only on
#   requests that carry its `test:` context key, so other tests never see them.
package keycard.custom.fixture_test

decides_unknown := true

deny contains "deleting needs the release role" if {
	input.request.context["test:release-only"]
	input.request.action == "s3:DeleteObject"
	not endswith(input.principal.arn, ":role/release")
}

deny contains sprintf("region %s is not approved", [input.region]) if {
	input.request.context["test:approved-regions"]
	not input.region in {"eu-west-1", "eu-central-1"}
}

deny contains "the IAM policies denied this explicitly" if {
	input.request.context["test:echo-iam"]
	input.iam.explicit_deny
}

deny contains sprintf("keys %v, resource %v", [input.request.unknownContext, input.request.unknownResource]) if {
	input.request.context["test:echo-unknown"]
	count(input.request.unknown) > 0
}

allow contains sprintf("ticket %s is open", [ticket]) if {
	ticket := input.request.context["test:ticket"]
	startswith(ticket, "INC-")
}
