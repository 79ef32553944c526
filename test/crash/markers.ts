// The runner writes these to stdout right before and right after the operation: in an strace log they
// mark the operation's window and name the main thread.
export const WINDOW_BEGIN = '@@crash-window-begin';
export const WINDOW_END = '@@crash-window-end';
