/** A named chunk of a run's output. */
export interface RunOutput {
  readonly outputId: string;
  readonly name: string;
  readonly contentType: string;
  /** Uncompressed length in bytes. */
  readonly length: number;
  /** The bytes, uncompressed. */
  readonly data: Uint8Array;
}

/** A UTF-8 text output. */
export function textOutput(
  outputId: string,
  name: string,
  text: string,
  contentType = 'text/plain',
): RunOutput {
  const data = new TextEncoder().encode(text);
  return { outputId, name, contentType, length: data.length, data };
}
