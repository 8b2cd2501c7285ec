#!/usr/bin/env python3
"""Independent checks of a SONAR handover bundle, with no SONAR code involved.

1. FHIR: the bundle parses and validates with the `fhir.resources` models (HL7 FHIR R4B,
   R4's technical correction: Bundle, Composition, Patient, Encounter, Flag, CarePlan,
   Organization and Practitioner are unchanged from R4).
2. Signature: Bundle.signature.data holds a compact JWS with a detached, unencoded (RFC 7797,
   b64=false) payload; the payload is the RFC 8785 canonical JSON of the bundle without its
   signature. The canonical form is made here by a small independent JCS (enough for
   integers, strings, booleans and null, which is all a bundle holds) and the Ed25519
   signature is checked with the `cryptography` package.

Usage: check_bundle.py BUNDLE.json PUBLIC.jwk   (exit 0 when both pass; the reason otherwise)
"""
import base64
import json
import sys


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jcs(value):
    """RFC 8785 for the JSON a bundle holds (no floats)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        raise ValueError("the bundle holds a non-integer number")
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(jcs(v) for v in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + jcs(value[k]) for k in keys) + "}"
    raise ValueError(f"unexpected JSON value {value!r}")


def check_fhir(bundle):
    from fhir.resources.R4B.bundle import Bundle

    parsed = Bundle.model_validate(bundle) if hasattr(Bundle, "model_validate") else Bundle.parse_obj(bundle)
    assert parsed.type == "document", "Bundle.type is not document"
    assert parsed.entry[0].resource.get_resource_type() == "Composition", "Composition is not first"
    return parsed


def check_signature(bundle, jwk):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    token = base64.b64decode(bundle["signature"]["data"]).decode("ascii")
    header_b64, payload, signature_b64 = token.split(".")
    assert payload == "", "the payload is not detached"
    header = json.loads(b64url_decode(header_b64))
    assert header["alg"] == "EdDSA", "alg is not EdDSA"
    assert header["b64"] is False and header["crit"] == ["b64"], "not an RFC 7797 unencoded payload"
    assert header["kid"] == jwk["kid"], "the kid is not the given key's"
    unsigned = {k: v for k, v in bundle.items() if k != "signature"}
    signing_input = header_b64.encode("ascii") + b"." + jcs(unsigned).encode("utf-8")
    key = Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
    key.verify(b64url_decode(signature_b64), signing_input)  # raises InvalidSignature


def main():
    bundle_path, jwk_path = sys.argv[1], sys.argv[2]
    with open(bundle_path, encoding="utf-8") as f:
        bundle = json.load(f)
    with open(jwk_path, encoding="utf-8") as f:
        jwk = json.load(f)
    try:
        check_fhir(bundle)
    except Exception as e:  # the validator's own message is the reason
        print(f"FHIR validation failed: {e}")
        return 1
    try:
        check_signature(bundle, jwk)
    except Exception as e:
        print(f"signature check failed: {type(e).__name__}: {e}")
        return 1
    print("ok: valid FHIR document, signature verifies")
    return 0


if __name__ == "__main__":
    sys.exit(main())
