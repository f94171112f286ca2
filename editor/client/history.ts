// Back and forward after a jump (go to definition, a reference, a problem, a
// search result, a symbol): where the cursor was before each jump, as in
// VS Code (Alt+← / Alt+→). Positions are offsets in a file of the workspace.
export interface Place { readonly path: string; readonly offset: number }

export class NavHistory {
  private back: Place[] = [];
  private forward: Place[] = [];
  private readonly listeners: (() => void)[] = [];

  onChange(l: () => void): void { this.listeners.push(l); }
  private changed(): void { for (const l of this.listeners) l(); }

  get canBack(): boolean { return this.back.length > 0; }
  get canForward(): boolean { return this.forward.length > 0; }

  /** A jump is about to leave `from`: remember it; the forward list ends here. */
  jumped(from: Place | undefined, to: Place): void {
    if (!from || (from.path === to.path && from.offset === to.offset)) return;
    const top = this.back[this.back.length - 1];
    if (!top || top.path !== from.path || top.offset !== from.offset) this.back.push(from);
    if (this.back.length > 100) this.back.shift();
    this.forward = [];
    this.changed();
  }

  /** Where Back goes from `here` (which Forward then returns to). */
  goBack(here: Place | undefined): Place | undefined {
    const to = this.back.pop();
    if (to && here) this.forward.push(here);
    this.changed();
    return to;
  }

  goForward(here: Place | undefined): Place | undefined {
    const to = this.forward.pop();
    if (to && here) this.back.push(here);
    this.changed();
    return to;
  }
}
