"""Where session logs live: one interface (base.EventStore), one backend per module."""
