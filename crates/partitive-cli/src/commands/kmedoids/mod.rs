//! `partitive kmedoids`: the flags are resolved into a [`plan::Plan`], the outputs
//! checked, then the numeric path ([`numeric`]: a metric or a precomputed matrix, in the
//! file's precision) or the Gower path ([`gower`]: mixed columns) runs; both fit with
//! [`fit`] and write with [`report`]. The modules form a tree (no module imports this
//! one or a sibling that imports it).

mod fit;
mod gower;
mod numeric;
mod plan;
mod report;

use crate::cli::KmedoidsArgs;
use crate::common::{self, Precision};
use crate::fitted;
use crate::outputs::{self, Holds, PlanBuilder};
use anyhow::Result;
use plan::{Plan, Source};

pub fn run(args: KmedoidsArgs) -> Result<()> {
    let resolved = Plan::resolve(&args)?;
    let mut plan = fitted::plan_outputs(outputs(&args), &args.out).build()?;
    match resolved.source {
        // Gower reads mixed numeric and text columns (as f64).
        Source::Gower => gower::run(&args, &resolved, &mut plan),
        source => match common::precision(&args.input)? {
            Precision::F32 => {
                numeric::run::<f32>(&args, &resolved, source, &mut plan, Precision::F32)
            }
            Precision::F64 => {
                numeric::run::<f64>(&args, &resolved, source, &mut plan, Precision::F64)
            }
        },
    }
}

/// The command's own inputs and outputs (the fit outputs are added by
/// [`fitted::plan_outputs`]).
pub(crate) fn outputs(args: &KmedoidsArgs) -> PlanBuilder<'_> {
    outputs::plan(&args.input, &args.run)
        .input("--init-medoids", args.init_medoids.as_deref())
        .output("--labels-out", args.labels_out.as_deref(), Holds::Labels)
        .output("--medoids-out", args.medoids_out.as_deref(), Holds::Labels)
}
