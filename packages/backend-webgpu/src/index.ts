/** @tessera/backend-webgpu: the WebGPU backend of Tessera. Not implemented yet; issue 5 fills this package. */
export {};
