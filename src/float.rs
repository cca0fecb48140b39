//! The float functions the engine uses that `no_std` lacks (std has them from the platform's
//! maths library; core's WebAssembly instructions for them are not stable yet). Exact, and the
//! same natively and in the wasm; the tests compare each with std's.

/// `x` without its fraction, towards zero, as `f64::trunc`.
#[inline]
pub fn trunc(x: f64) -> f64 {
    // From 2^52 up every float is whole; NaN and the infinities stay as they are.
    if x.is_nan() || x.abs() >= 4_503_599_627_370_496.0 {
        return x;
    }
    ((x as i64) as f64).copysign(x)
}

/// The largest whole number not above `x`, as `f64::floor`.
#[inline]
pub fn floor(x: f64) -> f64 {
    let t = trunc(x);
    if t > x {
        t - 1.0
    } else {
        t
    }
}

/// The fraction of `x` (`x - trunc(x)`, with `x`'s sign), as `f64::fract`.
#[inline]
pub fn fract(x: f64) -> f64 {
    x - trunc(x)
}

/// The nearest whole number, halves away from zero, as `f64::round`.
#[inline]
pub fn round(x: f64) -> f64 {
    let t = trunc(x);
    if (x - t).abs() >= 0.5 {
        t + 1f64.copysign(x)
    } else {
        t
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn each_gives_what_std_gives() {
        let cases = [
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            -1.5,
            2.5,
            0.49999999999999994,
            -0.49999999999999994,
            1e300,
            -1e300,
            4503599627370497.0,
            123.456,
            -123.456,
            f64::INFINITY,
            f64::NAN,
            f64::NEG_INFINITY,
            1.0000000000000002,
            -1.0000000000000002,
            4503599627370495.5,
            -4503599627370495.5,
            1e-300,
            -1e-300,
            -7.0,
            9.007_199_254_740_993e15,
        ];
        for x in cases {
            let same = |a: f64, b: f64| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
            assert!(same(floor(x), x.floor()), "floor {x}");
            assert!(same(trunc(x), x.trunc()), "trunc {x}");
            assert!(
                same(round(x), x.round()),
                "round {x}: {} vs {}",
                round(x),
                x.round()
            );
            assert!(same(fract(x), x.fract()) || x.is_infinite(), "fract {x}");
        }
    }
}
