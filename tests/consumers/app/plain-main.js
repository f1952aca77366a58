// No bundler: the web-target ESM straight out of node_modules.
import init, { planSync, SyncSession } from "./node_modules/central-o365-sync/central_o365_sync.js";
import { run } from "./shared.js";

run({ init, planSync, SyncSession }, "plain");
