# Writes the A/B data sets (.npy, no numpy needed) into the current folder: blobs
# 200k x 32 f32 (k-means), 200k x 16 f64 (GMM), 5k x 8 f32 (k-medoids).
import random, struct, array, sys
def save(path, rows, d, dtype):
    code = 'f' if dtype == '<f4' else 'd'
    hdr = "{'descr': '%s', 'fortran_order': False, 'shape': (%d, %d), }" % (dtype, len(rows)//d, d)
    hdr = hdr + ' ' * ((64 - (10 + len(hdr) + 1) % 64) % 64) + '\n'
    with open(path, 'wb') as f:
        f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(hdr)) + hdr.encode())
        array.array(code, rows).tofile(f)
def blobs(n, d, c, scale, seed):
    r = random.Random(seed)
    cent = [[r.gauss(0, 10) for _ in range(d)] for _ in range(c)]
    out = []
    for i in range(n):
        m = cent[r.randrange(c)]
        out.extend(v + r.gauss(0, scale) for v in m)
    return out
save('km.npy', blobs(200_000, 32, 100, 3.0, 1), 32, '<f4')
save('gmm.npy', blobs(200_000, 16, 10, 2.0, 2), 16, '<f8')
save('kmed.npy', blobs(5_000, 8, 12, 2.0, 3), 8, '<f4')
