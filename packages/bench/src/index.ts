/** @tessera/bench: benchmarks of Tessera against its peers. Not implemented yet; issue 7 fills this package. */
export {};
