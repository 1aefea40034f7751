/** The commands of a doc's ```sh blocks, one per line, `#` comments dropped, split into words. */
export function shellCommands(doc: string): string[][] {
  return [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((match) =>
    (match[1] ?? '')
      .split('\n')
      .map((line) => line.replace(/#.*$/, '').trim())
      .filter((line) => line !== '')
      .map((line) => line.split(/\s+/)),
  );
}
