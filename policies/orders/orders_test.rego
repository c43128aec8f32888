package keycard.custom.orders_test

import data.keycard.custom.orders

test_static_keys_in_production_denied if {
	reasons := orders.deny with input as {
		"principal": {"tags": {"environment": "production"}},
		"request": {
			"action": "s3:GetObject",
			"resource": "arn:aws:s3:::orders-documents/orders/1.json",
			"context": {"keycard:CredentialSource": "static"},
		},
	}
	"static access keys are not allowed in production; use the service's role" in reasons
}

test_role_in_production_allowed if {
	reasons := orders.deny with input as {
		"principal": {"tags": {"environment": "production"}},
		"request": {
			"action": "s3:GetObject",
			"resource": "arn:aws:s3:::orders-documents/orders/1.json",
			"context": {"keycard:CredentialSource": "web-identity"},
		},
	}
	count(reasons) == 0
}

test_unencrypted_put_denied if {
	reasons := orders.deny with input as {
		"principal": {},
		"request": {
			"action": "s3:PutObject",
			"resource": "arn:aws:s3:::orders-documents/orders/1.json",
			"context": {},
		},
	}
	"order documents must be written with server-side encryption" in reasons
}

test_kms_put_allowed if {
	reasons := orders.deny with input as {
		"principal": {},
		"request": {
			"action": "s3:PutObject",
			"resource": "arn:aws:s3:::orders-documents/orders/1.json",
			"context": {"s3:x-amz-server-side-encryption": "aws:kms"},
		},
	}
	count(reasons) == 0
}

test_put_to_partly_known_object_denied if {
	reasons := orders.deny with input as {
		"principal": {},
		"request": {
			"action": "s3:PutObject",
			"resource": "arn:aws:s3:::orders-documents/orders/\ue000",
			"context": {"s3:x-amz-server-side-encryption": "AES256"},
			"unknown": ["ObjectName"],
			"unknownResource": ["ObjectName"],
			"unknownContext": [],
		},
	}
	"order documents must be written to a fully known object" in reasons
}

test_put_with_unknown_keys_it_does_not_read_allowed if {
	reasons := orders.deny with input as {
		"principal": {},
		"request": {
			"action": "s3:PutObject",
			"resource": "arn:aws:s3:::orders-documents/orders/1.json",
			"context": {"s3:x-amz-server-side-encryption": "AES256"},
			"unknown": ["s3:tlsversion", "s3:resourceaccount"],
			"unknownResource": [],
			"unknownContext": ["s3:tlsversion", "s3:resourceaccount"],
		},
	}
	count(reasons) == 0
}

test_put_with_unknown_encryption_header_denied if {
	reasons := orders.deny with input as {
		"principal": {},
		"request": {
			"action": "s3:PutObject",
			"resource": "arn:aws:s3:::orders-documents/orders/1.json",
			"context": {},
			"unknown": ["s3:x-amz-server-side-encryption"],
			"unknownResource": [],
			"unknownContext": ["s3:x-amz-server-side-encryption"],
		},
	}
	"order documents must be written with server-side encryption" in reasons
}

test_module_decides_partly_known_requests if {
	orders.decides_unknown == true
}
