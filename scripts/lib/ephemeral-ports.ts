// Every listener port set to 0 (the kernel picks a free one), derived from the config
// schema so that a listener added later is covered too: tests and benchmarks never collide
// with each other or with a server running on the defaults.
import { describeSettings } from '../../server/config/load.ts';

export const EPHEMERAL_PORT_SETTINGS: readonly string[] = describeSettings()
  .filter((setting) => /(^|\.)(port|tlsPort)$/.test(setting.key))
  .map((setting) => `${setting.key}=0`);
