# METADATA
# title: orders custom rules
# description: |
#   Rules IAM JSON cannot say: production traffic must come from a role, and order
#   documents are only written with server-side encryption.
package keycard.custom.orders

# These rules read the request's action, context and principal tags. The one that reads the
# resource denies writes whose object is not fully known, so keycard may let this module
# decide partly known requests.
decides_unknown := true

# Static access keys leak and never rotate; production runs on roles only.
deny contains "static access keys are not allowed in production; use the service's role" if {
	input.principal.tags.environment == "production"
	input.request.context["keycard:CredentialSource"] in {"static", "static-upgraded"}
}

deny contains "order documents must be written to a fully known object" if {
	lower(input.request.action) == "s3:putobject"
	count(input.request.unknown) > 0
}

deny contains "order documents must be written with server-side encryption" if {
	lower(input.request.action) == "s3:putobject"
	startswith(input.request.resource, "arn:aws:s3:::orders-documents/")
	not object.get(input.request.context, "s3:x-amz-server-side-encryption", "") in {"AES256", "aws:kms", "aws:kms:dsse"}
}
