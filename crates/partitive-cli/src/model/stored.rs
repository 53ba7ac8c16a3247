//! [`StoredMat`]: a matrix in a model file, in its own precision, with exact floats.
//!
//! Values are written as JSON numbers in the shortest form that reads back to the same
//! value of their type (`float64`: serde_json's shortest round-trip form; `float32`: the
//! shortest form of the `f32`, e.g. `0.1`, not the `f64` expansion `0.10000000149011612`).
//! Reading parses every number exactly as an `f64` (serde_json's `float_roundtrip`), then,
//! for `float32`, recovers the `f32` whose shortest form that number is
//! ([`f32_from_shortest`]): a decimal → `f64` → `f32` conversion can round twice, so the
//! neighbours of the rounded value are checked too. Every value round-trips bit for bit
//! (tested on a million random `f32` bit patterns).

use partitive::{Float, Mat};
use serde::de::Error as _;
use serde::ser::{SerializeSeq, SerializeStruct};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The precision of stored values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Dtype {
    #[serde(rename = "float32")]
    F32,
    #[serde(rename = "float64")]
    F64,
}

impl Dtype {
    /// The dtype of `T`.
    pub fn of<T: Float>() -> Dtype {
        if T::DTYPE == "float32" {
            Dtype::F32
        } else {
            Dtype::F64
        }
    }
}

/// A row-major matrix; values held as `f64` (every `f32` is exactly one).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredMat {
    pub dtype: Dtype,
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f64>,
}

impl StoredMat {
    /// The matrix `m`, in `T`'s precision.
    pub fn of<T: Float>(m: partitive::MatRef<'_, T>) -> StoredMat {
        StoredMat {
            dtype: Dtype::of::<T>(),
            rows: m.n_rows(),
            cols: m.n_cols(),
            data: m.as_slice().iter().map(|v| v.as_f64()).collect(),
        }
    }

    /// As a matrix of `T` (exact when `T` is the stored precision or wider).
    pub fn to_mat<T: Float>(&self) -> Mat<T> {
        Mat::from_vec(
            self.data.iter().map(|&v| T::of_f64(v)).collect(),
            self.rows,
            self.cols,
        )
        .expect("shape checked when read")
    }
}

/// One row, its values written in `dtype`'s shortest form.
struct Row<'a>(&'a [f64], Dtype);

impl Serialize for Row<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for &v in self.0 {
            match self.1 {
                Dtype::F32 => seq.serialize_element(&(v as f32))?,
                Dtype::F64 => seq.serialize_element(&v)?,
            }
        }
        seq.end()
    }
}

struct Rows<'a>(&'a StoredMat);

impl Serialize for Rows<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let m = self.0;
        let mut seq = s.serialize_seq(Some(m.rows))?;
        for r in 0..m.rows {
            seq.serialize_element(&Row(&m.data[r * m.cols..(r + 1) * m.cols], m.dtype))?;
        }
        seq.end()
    }
}

impl Serialize for StoredMat {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("StoredMat", 3)?;
        st.serialize_field("dtype", &self.dtype)?;
        st.serialize_field("shape", &[self.rows, self.cols])?;
        st.serialize_field("rows", &Rows(self))?;
        st.end()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    dtype: Dtype,
    shape: [usize; 2],
    rows: Vec<Vec<f64>>,
}

impl<'de> Deserialize<'de> for StoredMat {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Raw::deserialize(d)?;
        let [rows, cols] = raw.shape;
        if raw.rows.len() != rows || raw.rows.iter().any(|r| r.len() != cols) {
            return Err(D::Error::custom(format!(
                "a matrix's rows do not match its shape [{rows}, {cols}]"
            )));
        }
        let mut data = Vec::with_capacity(rows * cols);
        for v in raw.rows.into_iter().flatten() {
            if !v.is_finite() {
                return Err(D::Error::custom("a matrix value is not finite"));
            }
            data.push(match raw.dtype {
                Dtype::F32 => {
                    if v.abs() > f32::MAX as f64 {
                        return Err(D::Error::custom(format!("{v} is out of range for float32")));
                    }
                    f32_from_shortest(v) as f64
                }
                Dtype::F64 => v,
            });
        }
        Ok(StoredMat {
            dtype: raw.dtype,
            rows,
            cols,
            data,
        })
    }
}

/// The `f32` whose shortest decimal form, read as an `f64`, is `x` (see the module docs):
/// `x as f32`, or a neighbour of it when the decimal → `f64` → `f32` path rounded twice.
pub fn f32_from_shortest(x: f64) -> f32 {
    let c = x as f32;
    if c as f64 == x {
        return c;
    }
    let up = |v: f32| {
        f32::from_bits(if v >= 0.0 {
            v.to_bits() + 1
        } else {
            v.to_bits() - 1
        })
    };
    let down = |v: f32| {
        f32::from_bits(if v > 0.0 {
            v.to_bits() - 1
        } else {
            v.to_bits() + 1
        })
    };
    for cand in [c, down(c), up(c)] {
        if cand.is_finite() && format!("{cand:e}").parse::<f64>() == Ok(x) {
            return cand;
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f32_values_round_trip_bit_for_bit() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut checked = 0;
        while checked < 1_000_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let v = f32::from_bits(state as u32);
            if !v.is_finite() {
                continue;
            }
            let text = serde_json::to_string(&v).unwrap();
            let x: f64 = serde_json::from_str(&text).unwrap();
            assert_eq!(
                f32_from_shortest(x).to_bits(),
                v.to_bits(),
                "{v:e} written {text}"
            );
            checked += 1;
        }
    }

    #[test]
    fn matrices_round_trip_and_check_shape() {
        let m = Mat::from_rows(&[[0.1f32, -3.4e38], [1.0e-45, 7.0]]);
        let s = StoredMat::of(m.view());
        let text = serde_json::to_string(&s).unwrap();
        assert!(text.contains("[[0.1,-3.4e+38],[1e-45,7.0]]"), "{text}");
        let back: StoredMat = serde_json::from_str(&text).unwrap();
        assert_eq!(back.to_mat::<f32>().as_slice(), m.as_slice());
        let m64 = Mat::from_rows(&[[0.1f64, 1.0 / 3.0]]);
        let back: StoredMat =
            serde_json::from_str(&serde_json::to_string(&StoredMat::of(m64.view())).unwrap())
                .unwrap();
        assert_eq!(back.to_mat::<f64>().as_slice(), m64.as_slice());
        for bad in [
            r#"{"dtype":"float64","shape":[1,2],"rows":[[1.0]]}"#,
            r#"{"dtype":"float32","shape":[1,1],"rows":[[1e39]]}"#,
            r#"{"dtype":"float16","shape":[1,1],"rows":[[1]]}"#,
        ] {
            assert!(serde_json::from_str::<StoredMat>(bad).is_err(), "{bad}");
        }
    }
}
