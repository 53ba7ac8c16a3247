//! **Benchmark harnesses — not user commands.** `partitive evaluate` scores `auto` on
//! benchmark batteries with ground truth (k exact, ARI, repeatability). It lives apart
//! from the clustering commands (`commands/`): it reads whole benchmark folders, calls
//! the commands' library entry points (`commands::auto::cluster_labels`) and writes only
//! its own score table, so nothing here is on the code path of a user command.

pub(crate) mod evaluate;
