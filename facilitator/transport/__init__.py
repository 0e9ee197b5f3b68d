"""The edges: HTTP views and Socket.IO handlers. Thin: parse, call the service, reply."""
