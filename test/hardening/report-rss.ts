// Preloaded into capped children: prints the peak RSS (KiB) on stderr as the process exits.
process.on('exit', () => {
  process.stderr.write(`@maxrss ${process.resourceUsage().maxRSS}\n`);
});
