#!/usr/bin/env python3
"""DSSE interoperability checks for Accord, with an independent implementation.

Everything DSSE — the pre-authentication encoding, signing, verifying, the
envelope's JSON form — is done by securesystemslib (``securesystemslib.dsse``
and ``securesystemslib.signer``); the in-toto Statement is validated by
in-toto-attestation's Statement v1 model. This program only loads Accord's PEM
keys with ``cryptography``, computes Accord's key id (lowercase hex SHA-256 of
the SubjectPublicKeyInfo DER) so that securesystemslib matches signatures to
keys, and reshapes the envelope's JSON text where a test asks for another
spelling of the same bytes (see ``sign --encoding`` and ``--keyid``).

Run by crates/accord-cli/tests/cli/attest_interop.rs with the Python named by
ACCORD_PYTHON. Subcommands (each prints one JSON object on standard output):

  keyid PUBKEY_PEM
  verify ENVELOPE PUBKEY_PEM
  statement PAYLOAD_FILE
  sign PAYLOAD_FILE PRIVATE_KEY_PEM OUT [--payload-type T]
       [--encoding standard|urlsafe-nopad] [--keyid spki|empty|absent]

Exit status: 0 success; 1 a signature or statement was rejected; 2 bad input.

Where securesystemslib 1.6.0 departs from DSSE v1.0.2 (found while writing
these checks, and visible in its source):

* ``Signature.from_dict`` requires ``keyid`` (KeyError when absent); DSSE makes
  it optional.
* ``Envelope.verify`` only tries keys whose keyid equals the signature's
  keyid, so a signature with an empty keyid never verifies; DSSE says keyid is
  an unauthenticated hint. (securesystemslib documents this: issue #416.)
* base64 is decoded with padding required, so URL-safe (or standard) base64
  without ``=`` padding is refused ("Incorrect padding"); DSSE allows either
  alphabet and says nothing of padding. It also accepts non-canonical base64
  (non-zero trailing bits), which Accord refuses.

Not DSSE, but met on the way: Accord once wrote ``accord.key`` as RFC 5958 v2
(with the public key), which pyca/cryptography 50 and the OpenSSL 3.0 CLI
refuse; it now writes PKCS#8 v1, and this program loads it as it is.

None of these affect the envelopes Accord writes (standard, padded, keyid set
to the key id), which is why ``verify`` needs no workaround; ``sign`` reaches
the spellings securesystemslib cannot write by re-encoding the JSON text only.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from typing import Any, NoReturn

import google.protobuf.json_format as pb_json
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)
from in_toto_attestation.v1 import statement_pb2
from in_toto_attestation.v1.statement import Statement
from securesystemslib import exceptions as sslib_exceptions
from securesystemslib.dsse import Envelope
from securesystemslib.signer import CryptoSigner, SSlibKey

IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"


def emit(obj: dict[str, Any], code: int = 0) -> NoReturn:
    print(json.dumps(obj, sort_keys=True))
    sys.exit(code)


def bad_input(message: str) -> NoReturn:
    emit({"ok": False, "error": message}, 2)


def read_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        bad_input(f"cannot read {path}: {e}")


def accord_key_id(public_key: Any) -> str:
    """Accord's key id: lowercase hex SHA-256 of the SubjectPublicKeyInfo DER."""
    der = public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def load_public(path: str) -> tuple[SSlibKey, str]:
    try:
        public_key = load_pem_public_key(read_bytes(path))
    except ValueError as e:
        bad_input(f"{path}: not a PEM public key: {e}")
    keyid = accord_key_id(public_key)
    # securesystemslib picks the scheme from the key type (ed25519 here).
    return SSlibKey.from_crypto(public_key, keyid=keyid), keyid


def cmd_keyid(args: argparse.Namespace) -> NoReturn:
    key, keyid = load_public(args.pubkey)
    emit({"ok": True, "keyid": keyid, "keytype": key.keytype, "scheme": key.scheme})


def statement_summary(payload: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(payload)
    except ValueError as e:
        return {"json": False, "error": str(e)}
    if not isinstance(doc, dict):
        return {"json": True, "error": "not a JSON object"}
    return {
        "json": True,
        "_type": doc.get("_type"),
        "predicateType": doc.get("predicateType"),
        "subjects": len(doc.get("subject") or []),
    }


def cmd_verify(args: argparse.Namespace) -> NoReturn:
    key, keyid = load_public(args.pubkey)
    text = read_bytes(args.envelope)
    try:
        data = json.loads(text)
        envelope = Envelope.from_dict(data)
    except Exception as e:  # noqa: BLE001 - any parse failure is a rejection
        emit(
            {
                "ok": False,
                "stage": "parse",
                "error": f"{type(e).__name__}: {e}",
                "keyid": keyid,
            },
            1,
        )
    try:
        accepted = envelope.verify([key], 1)
    except (sslib_exceptions.VerificationError, ValueError) as e:
        emit(
            {
                "ok": False,
                "stage": "verify",
                "error": f"{type(e).__name__}: {e}",
                "keyid": keyid,
                "payloadType": envelope.payload_type,
            },
            1,
        )
    emit(
        {
            "ok": True,
            "keyid": keyid,
            "accepted_keyids": sorted(accepted),
            "payloadType": envelope.payload_type,
            # The bytes securesystemslib verified, for the caller to compare.
            "payload_hex": envelope.payload.hex(),
            "statement": statement_summary(envelope.payload),
        }
    )


def cmd_statement(args: argparse.Namespace) -> NoReturn:
    payload = read_bytes(args.payload)
    try:
        # Strict: a field the Statement v1 schema does not know is an error.
        pb = pb_json.Parse(payload.decode("utf-8"), statement_pb2.Statement())
        statement = Statement.copy_from_pb(pb)
        statement.validate()
    except Exception as e:  # noqa: BLE001 - any failure is a rejection
        emit({"ok": False, "error": f"{type(e).__name__}: {e}"}, 1)
    emit(
        {
            "ok": True,
            "_type": statement.pb.type,
            "predicateType": statement.pb.predicate_type,
            "subjects": [
                {"name": s.name, "digest": dict(s.digest)} for s in statement.pb.subject
            ],
        }
    )


def urlsafe_nopad(text: str) -> str:
    """The same bytes as securesystemslib's standard padded base64, URL-safe and unpadded."""
    raw = base64.b64decode(text, validate=True)
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def load_private(path: str) -> tuple[Any, str]:
    """Loads a PKCS#8 PEM private key with ``cryptography``, as it is."""
    pem = read_bytes(path)
    try:
        return load_pem_private_key(pem, password=None), "pkcs8"
    except (ValueError, TypeError) as e:
        bad_input(f"{path}: not an unencrypted PKCS#8 private key: {e}")


def cmd_sign(args: argparse.Namespace) -> NoReturn:
    payload = read_bytes(args.payload)
    private_key, key_form = load_private(args.private_key)
    keyid = accord_key_id(private_key.public_key())
    public = SSlibKey.from_crypto(private_key.public_key(), keyid=keyid)
    signer = CryptoSigner(private_key, public)

    envelope = Envelope(payload, args.payload_type, {})
    envelope.sign(signer)
    data = envelope.to_dict()

    if args.encoding == "urlsafe-nopad":
        data["payload"] = urlsafe_nopad(data["payload"])
        for sig in data["signatures"]:
            sig["sig"] = urlsafe_nopad(sig["sig"])
    # securesystemslib cannot sign with an empty keyid (``from_crypto`` replaces
    # "" with its own default keyid) nor omit it, so these spellings are made
    # in the JSON; keyid is outside what the signature covers.
    for sig in data["signatures"]:
        if args.keyid == "empty":
            sig["keyid"] = ""
        elif args.keyid == "absent":
            del sig["keyid"]

    try:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(data, f)
    except OSError as e:
        bad_input(f"cannot write {args.out}: {e}")
    emit(
        {
            "ok": True,
            "keyid": keyid,
            "payloadType": args.payload_type,
            "private_key_form": key_form,
            "pae_len": len(envelope.pae()),
            "signatures": data["signatures"],
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("keyid", help="Accord's key id of a PEM public key")
    p.add_argument("pubkey")
    p.set_defaults(func=cmd_keyid)

    p = sub.add_parser("verify", help="verify a DSSE envelope with a PEM public key")
    p.add_argument("envelope")
    p.add_argument("pubkey")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("statement", help="validate an in-toto Statement v1")
    p.add_argument("payload")
    p.set_defaults(func=cmd_statement)

    p = sub.add_parser("sign", help="sign a payload into a DSSE envelope")
    p.add_argument("payload")
    p.add_argument("private_key")
    p.add_argument("out")
    p.add_argument("--payload-type", default=IN_TOTO_PAYLOAD_TYPE)
    p.add_argument("--encoding", choices=["standard", "urlsafe-nopad"], default="standard")
    p.add_argument("--keyid", choices=["spki", "empty", "absent"], default="spki")
    p.set_defaults(func=cmd_sign)

    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
