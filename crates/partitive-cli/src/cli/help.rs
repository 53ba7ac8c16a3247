//! The `after_help` texts of the subcommands (examples and notes).

pub(super) const EVALUATE_HELP: &str = "\
Examples:
  partitive evaluate ../shared/benchmarks/clustering-data-v1
  partitive evaluate ../shared/benchmarks/clustering-data-v1 --batteries g2mg --match '_(2|16|64)_(10|20|30|40|50|60)$'
  partitive evaluate ../shared/benchmarks/clustering-data-v1 --permutations 10 --threads-check

Each data set NAME in ROOT/BATTERY/ is NAME.data.gz with reference labellings NAME.labels*.gz (0 = noise).
k is exact when it equals the number of non-noise classes of any reference labelling; ARI is the best
over the labellings, on non-noise points (the convention of clustering-benchmarks and autok_eval.py).";

pub(super) const PREDICT_HELP: &str = "\
Examples:
  partitive auto train.csv --scale standard --model-out model.json
  partitive predict model.json new.csv --output clusters.csv
  partitive predict model.json new.parquet --labels-out labels.npy --proba-out proba.csv
  partitive hdbscan train.csv --min-cluster-size 10 --model-out hdb.json
  partitive predict hdb.json new.csv --labels-out labels.txt --proba-out membership.txt

The input must hold the model's columns (by name when the model has names; other columns are
ignored), and is scaled as the training data were. --proba-out needs a model with
probabilities (gmm, auto: one column per cluster; hdbscan: one column, the membership
probability). An hdbscan model labels a row equal to a training row with that row's fitted
label and probability, any other row as HDBSCAN*'s approximate_predict does (-1 = noise). A model written by a newer partitive (a higher format version or an
unknown kind) is refused.";

pub(super) const GMM_HELP: &str = "\
Examples:
  partitive gmm examples/blobs.csv -k 5 --labels-out labels.txt --proba-out proba.csv
  partitive gmm examples/blobs.csv --k-range 1..10 --criterion bic --summary-out gmm.json
  partitive gmm data.npy --k-range 2..20 --covariance diag,full

The summary carries the model-selection table (k, covariance, log-likelihood, BIC, AIC, ICL).";

pub(super) const KMEDOIDS_HELP: &str = "\
Examples:
  partitive kmedoids examples/blobs.csv -k 5 --metric manhattan --labels-out labels.txt
  partitive kmedoids dist.npy -k 10 --precomputed --algorithm fasterpam --medoids-out medoids.txt
  partitive kmedoids big.csv -k 20 --algorithm clara --seed 3
  partitive kmedoids examples/mixed.csv -k 3 --metric gower --labels-out labels.txt
  partitive kmedoids people.csv.gz -k 4 --metric gower --categorical sex,smoker,3

Medoids are reported as 0-based row indices; labels index the medoids in the order reported.

Gower (mixed numeric and categorical columns, J. C. Gower, Biometrics 27(4), 1971): numeric
columns contribute |a-b|/range, categorical ones 0 when equal and 1 otherwise, averaged over the
columns. Categories may be text (`red`, `Paris`): without --categorical every column holding a
non-numeric cell is categorical; with it, exactly the listed columns are (header names or 0-based
indices, counted after --columns; use it for numeric codes) and a non-numeric cell elsewhere is an
error. Empty cells and NA, N/A, NaN, null, ? are errors naming file, line and column. The summary
lists the categorical columns with their levels, and the numeric ranges.";

pub(super) const AUTO_HELP: &str = "\
Examples:
  partitive auto examples/blobs.csv
  partitive auto data.csv.gz --labels-out labels.txt --summary-out auto.json --tree-out tree.json
  partitive auto data.npy --plot-out clusters.svg --threads 2

No k, no seed: the answer does not depend on row order, thread count or initial conditions.";

pub(super) const KMEANS_HELP: &str = "\
Examples:
  partitive kmeans examples/blobs.csv -k 3
  partitive kmeans data.csv.gz -k 10 --n-init 5 --seed 7 --labels-out labels.txt --centers-out centers.csv
  partitive kmeans big.npy -k 64 --threads 2 --init deterministic --summary-out run.json

Labels are written one integer per input row, 0-based, in input order. The result is identical
for any --threads value.";

pub(super) const HDBSCAN_HELP: &str = "\
Examples:
  partitive hdbscan examples/blobs.csv --min-cluster-size 10 --labels-out labels.txt
  partitive hdbscan data.npy --min-cluster-size 50 --min-samples 10 --threads 2 --summary-out run.json
  partitive hdbscan data.csv --min-cluster-size 15 --tree-out tree.json --plot-out clusters.svg
  partitive hdbscan dist.npy --min-cluster-size 5 --metric precomputed

Labels are written one integer per input row, in input order: clusters 0, 1, ... and -1 for
noise. The core distance of a row is the distance to its min-samples-th nearest other row (as in
the hdbscan library); the partition equals the hdbscan library's with the same parameters up to
ties (see the README). The result is identical for any --threads value and any row order.";
