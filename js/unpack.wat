;; Turns the engine script's text (tailor_core.wasm.js, see engineCarrier in scripts/build.mjs)
;; back into the engine's bytes at native speed: the loader writes the text into memory as UTF-8
;; with the browser's TextEncoder, then `u` reads it one character at a time and stores each
;; character as two little-endian bytes, undoing the escapes (the escape character, then the
;; character XOR 0x8000) and the build's flip of every byte (each was XORed with `$flip`). The
;; text holds no surrogates (the build escapes them), so a character is one to three UTF-8 bytes.
;; Returns where the output ends.
(module
  (memory (export "m") 1)
  (func (export "u") (param $n i32) (param $o i32) (param $esc i32) (param $flip i32) (result i32)
    (local $i i32) (local $b i32) (local $c i32) (local $escaped i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $b (i32.load8_u (local.get $i)))
        (if (i32.lt_u (local.get $b) (i32.const 0x80))
          (then
            (local.set $c (local.get $b))
            (local.set $i (i32.add (local.get $i) (i32.const 1))))
          (else
            (if (i32.lt_u (local.get $b) (i32.const 0xe0))
              (then
                (local.set $c (i32.or
                  (i32.shl (i32.and (local.get $b) (i32.const 0x1f)) (i32.const 6))
                  (i32.and (i32.load8_u offset=1 (local.get $i)) (i32.const 0x3f))))
                (local.set $i (i32.add (local.get $i) (i32.const 2))))
              (else
                (local.set $c (i32.or
                  (i32.or
                    (i32.shl (i32.and (local.get $b) (i32.const 0x0f)) (i32.const 12))
                    (i32.shl (i32.and (i32.load8_u offset=1 (local.get $i)) (i32.const 0x3f)) (i32.const 6)))
                  (i32.and (i32.load8_u offset=2 (local.get $i)) (i32.const 0x3f))))
                (local.set $i (i32.add (local.get $i) (i32.const 3)))))))
        (if (local.get $escaped)
          (then
            (local.set $c (i32.xor (local.get $c) (i32.const 0x8000)))
            (local.set $escaped (i32.const 0)))
          (else
            (if (i32.eq (local.get $c) (local.get $esc))
              (then
                (local.set $escaped (i32.const 1))
                (br $next)))))
        (i32.store16 (local.get $o) (i32.xor (local.get $c) (i32.mul (local.get $flip) (i32.const 0x101))))
        (local.set $o (i32.add (local.get $o) (i32.const 2)))
        (br $next)))
    (local.get $o)))
