/** The built command's path, or undefined when the sources of the checkout at `root` must be run instead. */
export function builtCli(root?: string): string | undefined;
