"""Identity in the core: Ed25519 keys, ``did:key``, signed JWTs and UCANs.

Everything here is pure computation. Keys are made from seed bytes the caller supplies,
tokens are issued and verified at a ``now`` the caller supplies (seconds since the
epoch), and nonces come in as arguments: the shells in ``covia`` own the clock and the
random source. Ed25519 itself comes from ``cryptography``, imported on first use.

Modules: ``_base58`` and ``_b64url`` (encodings, private), ``didkey`` (did:key of a key),
``keys`` (``Ed25519Key``: make, sign, save and load), ``jwt`` (compact EdDSA JWS),
``tokens`` (self-issued bearer tokens and their cache), ``ucan`` (capability tokens,
delegation and chain verification). Nothing is imported here, so importing one of them
costs only what it needs.
"""
