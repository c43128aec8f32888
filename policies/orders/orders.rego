# METADATA
# title: orders custom rules
# description: |
#   Rules IAM JSON cannot say: production traffic must come from a role, and order
#   documents are only written with server-side encryption.
package keycard.custom.orders

# These rules read the request's action, resource, two context keys and principal tags. They
# deny writes whose object is not fully known or whose encryption header is unknown, so keycard
# may let this module decide partly known requests.
decides_unknown := true

# Static access keys leak and never rotate; production runs on roles only.
deny contains "static access keys are not allowed in production; use the service's role" if {
	input.principal.tags.environment == "production"
	input.request.context["keycard:CredentialSource"] in {"static", "static-upgraded"}
}

deny contains "order documents must be written to a fully known object" if {
	lower(input.request.action) == "s3:putobject"
	count(input.request.unknownResource) > 0
}

# The encryption header is read below: a request whose header keycard cannot read is denied.
deny contains "order documents must be written with server-side encryption" if {
	lower(input.request.action) == "s3:putobject"
	"s3:x-amz-server-side-encryption" in input.request.unknownContext
}

deny contains "order documents must be written with server-side encryption" if {
	lower(input.request.action) == "s3:putobject"
	startswith(input.request.resource, "arn:aws:s3:::orders-documents/")
	not object.get(input.request.context, "s3:x-amz-server-side-encryption", "") in {"AES256", "aws:kms", "aws:kms:dsse"}
}
