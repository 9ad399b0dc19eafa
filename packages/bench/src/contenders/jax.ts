import type { InputSet, Workload } from '../workloads.js';
import { Unavailable, type Instance } from './types.js';

export async function create(_variant: string, _workload: Workload, _inputs: InputSet): Promise<Instance> {
  throw new Unavailable('not written yet');
}
