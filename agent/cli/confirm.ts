import { createInterface } from 'node:readline';

/**
 * Asks a yes/no question on the terminal (or reads the answer from piped stdin). Anything but
 * y/yes — including end of input — is "no", so nothing happens by accident.
 */
export async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY === true });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.question(`${question} [y/N] `, resolve);
      rl.once('close', () => resolve(''));
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
