/** Asking the user at a terminal. */
import { createInterface } from 'node:readline/promises';

/** A yes/no question; anything but y/yes is no. */
export async function askYesNo(question: string, defaultYes = false): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = (await rl.question(`${question} ${defaultYes ? '[Y/n]' : '[y/N]'} `)).trim();
    return answer ? /^y(es)?$/i.test(answer) : defaultYes;
  } finally {
    rl.close();
  }
}
