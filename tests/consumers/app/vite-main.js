// A Vite app importing the package by name, as npm installed it.
import init, { planSync, SyncSession } from "central-o365-sync";
import { run } from "./shared.js";

run({ init, planSync, SyncSession }, "vite");
