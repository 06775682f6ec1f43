/**
 * A build step (`npm run build`): builds the default log setup once and writes the prefilter
 * literals of every pattern it used beside the packs, so that no start has to parse them.
 */
import { validateConfig } from '../config/load.js';
import { writeLiterals } from './packs.js';
import { knownLiterals } from './prefilter.js';
import { pipelineSetup } from './setup.js';

export function buildLiterals(): void {
  pipelineSetup(validateConfig({}).logs);
  writeLiterals(knownLiterals());
}
