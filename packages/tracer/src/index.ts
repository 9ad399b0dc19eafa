/** @tessera/tracer: `trace(fn)`, graph mode with fusion for Tessera. Not implemented yet; issue 4 fills this package. */
export {};
