/** vitest `setupFiles`: runs in every test file, before its tests. */
import { afterAll } from "vitest";
import { removeFileScopedTemporaryDirectories } from "./temporary-directories";

afterAll(removeFileScopedTemporaryDirectories);
