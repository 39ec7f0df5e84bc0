/**
 * The full `yaml` parser, loaded on first use. Only a plan with a problem (or aliases) needs it;
 * every process of a run imports the plan module, and loading `yaml` up front cost each of them
 * about 20 ms of start-up and 7 MB of memory. Its Node build is CommonJS, so it can be required
 * synchronously.
 */
import { createRequire } from 'node:module';

type Yaml = typeof import('yaml');

let loaded: Yaml | undefined;

export function yamlReader(): Yaml {
  return (loaded ??= createRequire(import.meta.url)('yaml') as Yaml);
}
