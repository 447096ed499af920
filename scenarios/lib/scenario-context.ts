// The context a browser scenario runs with: the one check context plus the browser, opened on demand.
import type { ServiceCredentials } from '../../runner/core/contract.ts';
import type { RunContext } from '../../runner/core/definition.ts';
import type { BrowserSession } from './browser.ts';

export interface ScenarioContext extends RunContext {
  /** The config entry's name (a metric label, the screenshot's file name). */
  name: string;
  /** Opens the browser for this run; the runner closes it and kills its process tree afterwards. */
  browser: () => Promise<BrowserSession>;
  /** Where screenshots of failed steps go. */
  artefactsDir: string;
  /** Records the step under way, so a run cut short by its timeout says where it stood. */
  step: (what: string) => void;
  /** The scenario's own credentials, already read from env/file. */
  login?: ServiceCredentials;
}
