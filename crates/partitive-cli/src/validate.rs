//! [`check_args`]: the checks of a parsed command line that need no data. The output
//! lists are the commands' own (`commands::*::outputs` with `fitted::plan_outputs`), so
//! what is checked here is what the command checks.

use crate::cli::{Cli, Command};
use crate::commands::{auto, gmm, hdbscan, kmeans, kmedoids, predict};
use crate::common;
use crate::fitted;
use crate::outputs::{self, Holds};
use anyhow::{Context, Result};
use partitive::gmm::GaussianMixture;
use partitive::kmeans::KMeans;
use partitive::kmedoids::KMedoids;
use partitive::ppp::Ppp;

/// Runs the data-independent stage-two checks of `cli` with the functions the commands
/// use: the reading options built from the flags, the output paths
/// (`outputs::PlanBuilder::check`, which creates no file), the `--k-range` grammar, the
/// `--match` pattern, and the algorithm's own parameter checks. Reads no input file, fits
/// nothing, writes nothing.
///
/// # Errors
/// The first problem found, as the command would report it.
pub fn check_args(cli: &Cli) -> Result<()> {
    match &cli.command {
        Command::Kmeans(a) => {
            common::read_options(&a.input)?;
            fitted::plan_outputs(kmeans::outputs(a), &a.out).check()?;
            KMeans::params::<f64>(a.k.unwrap_or(1))
                .seed(a.seed)
                .n_init(a.n_init)
                .max_iter(a.max_iter)
                .tol(a.tol)
                .check()
                .context("k-means")?;
        }
        Command::Gmm(a) => {
            common::read_options(&a.input)?;
            fitted::plan_outputs(gmm::outputs(a), &a.out).check()?;
            let first = match (&a.k, &a.k_range) {
                (Some(k), _) => *k,
                (None, Some(r)) => *gmm::parse_range(r)?.start(),
                (None, None) => anyhow::bail!("give -k K or --k-range A..B"),
            };
            GaussianMixture::params::<f64>(first)
                .reg_covar(a.reg_covar)
                .tol(a.tol)
                .max_iter(a.max_iter)
                .seed(a.seed)
                .check()
                .context("Gaussian mixture")?;
        }
        Command::Kmedoids(a) => {
            common::read_options(&a.input)?;
            fitted::plan_outputs(kmedoids::outputs(a), &a.out).check()?;
            KMedoids::params(a.k.unwrap_or(1))
                .seed(a.seed)
                .max_iter(a.max_iter)
                .validate()
                .context("k-medoids")?;
        }
        Command::Auto(a) => {
            common::read_options(&a.input)?;
            fitted::plan_outputs(auto::outputs(a), &a.out).check()?;
            Ppp::params()
                .min_cluster_size(a.min_cluster_size)
                .check()
                .context("auto")?;
        }
        Command::Hdbscan(a) => {
            common::read_options(&a.input)?;
            hdbscan::check(a)?;
            hdbscan::outputs(a).check()?;
        }
        Command::Predict(a) => {
            common::read_options(&a.input)?;
            predict::outputs(a).check()?;
        }
        Command::Evaluate(a) => {
            if let Some(p) = &a.pattern {
                regex::Regex::new(p)
                    .map_err(|e| anyhow::anyhow!("invalid value for --match: {e}"))?;
            }
            outputs::PlanBuilder::default()
                .output("--json-out", a.json_out.as_deref(), Holds::Json)
                .check()?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn check(args: &[&str]) -> Result<()> {
        let cli = Cli::try_parse_from(std::iter::once("partitive").chain(args.iter().copied()))
            .expect("parses");
        check_args(&cli)
    }

    #[test]
    fn accepts_a_valid_line_and_reads_nothing() {
        // The input does not exist: nothing here opens it.
        check(&["kmeans", "no-such-file.csv", "-k", "3"]).unwrap();
        check(&["gmm", "no-such-file.csv", "--k-range", "2..5"]).unwrap();
        check(&["auto", "no-such-file.npy"]).unwrap();
    }

    #[test]
    fn rejects_what_the_commands_reject() {
        let msg = |a: &[&str]| format!("{:#}", check(a).unwrap_err());
        assert!(msg(&["kmeans", "a.csv", "-k", "2", "--tol", "-1"]).contains("tol"));
        assert!(msg(&["gmm", "a.csv", "--k-range", "5..2"]).contains("--k-range"));
        assert!(msg(&["kmedoids", "a.csv", "-k", "2", "--delimiter", "ab"]).contains("--delimiter"));
        assert!(
            msg(&["auto", "a.csv", "--labels-out", "/no/such/dir/l.txt"])
                .contains("does not exist")
        );
        assert!(msg(&["evaluate", ".", "--match", "("]).contains("--match"));
    }
}
