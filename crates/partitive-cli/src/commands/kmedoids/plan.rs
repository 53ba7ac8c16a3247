//! The typed `kmedoids` flags resolved once into what runs (ripgrep's low-level →
//! high-level arguments): the dissimilarity source and the method are enums with no
//! impossible state, built from the flag enums with `From`; the combinations the command
//! refuses are refused here, before any file is opened.

use crate::cli::{
    KmedoidsAlgorithmFlag, KmedoidsArgs, KmedoidsInitFlag, MetricFlag, MissingFlag, ScaleFlag,
};
use anyhow::{bail, Result};
use partitive::dissimilarity::Metric;
use partitive::kmedoids::{Algorithm, Init};

/// Where the dissimilarities come from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Source {
    /// The input is the dissimilarity matrix (square or condensed).
    Precomputed,
    /// A metric between the numeric rows, in the file's precision.
    Rows(Metric),
    /// Gower's coefficient on mixed numeric and categorical columns (f64).
    Gower,
}

/// What `--metric` names: a library metric, or Gower's coefficient (read apart, on
/// mixed columns).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum MetricChoice {
    Metric(Metric),
    Gower,
}

impl From<MetricFlag> for MetricChoice {
    fn from(m: MetricFlag) -> Self {
        MetricChoice::Metric(match m {
            MetricFlag::Euclidean => Metric::Euclidean,
            MetricFlag::Sqeuclidean => Metric::SqEuclidean,
            MetricFlag::Manhattan => Metric::Manhattan,
            MetricFlag::Chebyshev => Metric::Chebyshev,
            MetricFlag::Cosine => Metric::Cosine,
            MetricFlag::Hamming => Metric::Hamming,
            MetricFlag::Jaccard => Metric::Jaccard,
            MetricFlag::Gower => return MetricChoice::Gower,
        })
    }
}

/// The k-medoids method: FastCLARA (its own parameters) or a swap algorithm.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Method {
    Clara,
    Swap(Algorithm),
}

impl From<KmedoidsAlgorithmFlag> for Method {
    fn from(a: KmedoidsAlgorithmFlag) -> Self {
        Method::Swap(match a {
            KmedoidsAlgorithmFlag::Pam => Algorithm::Pam,
            KmedoidsAlgorithmFlag::Fastpam1 => Algorithm::FastPam1,
            KmedoidsAlgorithmFlag::Fasterpam => Algorithm::FasterPam,
            KmedoidsAlgorithmFlag::Alternating => Algorithm::Alternating,
            KmedoidsAlgorithmFlag::Clarans => Algorithm::FastClarans {
                num_local: 2,
                max_neighbor: None,
            },
            KmedoidsAlgorithmFlag::Clara => return Method::Clara,
        })
    }
}

impl From<KmedoidsInitFlag> for Init {
    fn from(i: KmedoidsInitFlag) -> Self {
        match i {
            KmedoidsInitFlag::Build => Init::Build,
            KmedoidsInitFlag::Random => Init::Random,
            KmedoidsInitFlag::KmedoidsPlusPlus => Init::KMedoidsPlusPlus,
            KmedoidsInitFlag::Lab => Init::Lab,
        }
    }
}

/// The resolved command line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plan {
    pub source: Source,
    pub method: Method,
    /// The initialisation of the swap algorithms (`--init-medoids` overrides it).
    pub init: Init,
}

impl Plan {
    /// Resolves `args`, refusing the combinations the command does not take (in the
    /// order, and with the messages, the command has always given).
    pub(crate) fn resolve(args: &KmedoidsArgs) -> Result<Plan> {
        let metric = MetricChoice::from(args.metric);
        if args.categorical.is_some() && metric != MetricChoice::Gower {
            bail!("--categorical only applies to --metric gower");
        }
        let source = match (args.precomputed, metric) {
            (true, _) => Source::Precomputed,
            (false, MetricChoice::Gower) => Source::Gower,
            (false, MetricChoice::Metric(m)) => Source::Rows(m),
        };
        if args.out.scale != ScaleFlag::None {
            match source {
                Source::Gower => bail!("--scale does not apply to --metric gower (Gower's dissimilarity already divides every numeric column by its range)"),
                Source::Precomputed => bail!("--scale does not apply to --precomputed (the input holds dissimilarities, not features)"),
                Source::Rows(_) => {}
            }
        }
        if source == Source::Precomputed {
            if args.out.model_out.is_some() {
                bail!("--model-out needs features: a --precomputed fit has no rows to compare new data with");
            }
            if args.input.missing != MissingFlag::Error {
                bail!("--missing drop cannot be used with --precomputed (dropping rows would break the square matrix)");
            }
        }
        Ok(Plan {
            source,
            method: args.algorithm.into(),
            init: args.init.into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn plan(args: &[&str]) -> Result<Plan> {
        let cli = Cli::try_parse_from(
            ["partitive", "kmedoids", "x.csv", "-k", "2"]
                .iter()
                .chain(args),
        )
        .unwrap();
        let Command::Kmedoids(a) = cli.command else {
            unreachable!("a kmedoids line")
        };
        Plan::resolve(&a)
    }

    #[test]
    fn flags_resolve_to_one_source_and_method() {
        let p = plan(&["--metric", "manhattan", "--algorithm", "clara"]).unwrap();
        assert_eq!(
            (p.source, p.method),
            (Source::Rows(Metric::Manhattan), Method::Clara)
        );
        assert_eq!(plan(&["--metric", "gower"]).unwrap().source, Source::Gower);
        assert_eq!(
            plan(&["--precomputed"]).unwrap().source,
            Source::Precomputed
        );
        let p = plan(&["--init", "lab", "--algorithm", "pam"]).unwrap();
        assert_eq!(
            (p.method, p.init),
            (Method::Swap(Algorithm::Pam), Init::Lab)
        );
    }

    #[test]
    fn refused_combinations() {
        let msg = |a: &[&str]| plan(a).unwrap_err().to_string();
        assert!(msg(&["--categorical", "a"]).contains("only applies to --metric gower"));
        assert!(msg(&["--metric", "gower", "--scale", "standard"]).contains("--metric gower"));
        assert!(msg(&["--precomputed", "--scale", "minmax"]).contains("--precomputed"));
        assert!(msg(&["--precomputed", "--model-out", "m.json"]).contains("--model-out"));
    }
}
