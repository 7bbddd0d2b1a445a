"""TRANSPORT: CDS Hooks 2.0 over HTTP — discovery, service calls, feedback."""
