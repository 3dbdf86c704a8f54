/** Types of build.mjs (plain JavaScript so `npm start` needs no TypeScript loader). */

export declare const BUILD_INPUTS: readonly string[];
export declare const BUILD_OUTPUTS: readonly string[];
export declare const STAMP_FILE: string;

export declare function sourceHash(root: string, inputs?: readonly string[]): string;

export interface BuildState {
  readonly fresh: boolean;
  readonly reason: string;
  readonly hash: string;
}

export declare function buildState(
  root: string,
  options?: { inputs?: readonly string[]; outputs?: readonly string[]; stampFile?: string },
): BuildState;

export declare function removeStamp(root: string, stampFile?: string): void;
export declare function writeStamp(root: string, hash: string, stampFile?: string): void;
