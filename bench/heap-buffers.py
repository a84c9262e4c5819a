# What an HPROF heap dump holds in byte[] (by length) and in direct ByteBuffers (by capacity): the per-connection
# buffers of an idle server. Usage: BENCH_IDLE_HEAP_DUMP=/tmp bench/run --only idle --idle-levels 1000 --servers wss-hub
# writes /tmp/idle-0.hprof (before the connections: the baseline) and /tmp/idle-1000.hprof; then
# python3 bench/heap-buffers.py /tmp/idle-1000.hprof
import sys, struct, collections
f = open(sys.argv[1], 'rb'); data = f.read()
p = data.index(b'\0') + 1
idsz = struct.unpack('>I', data[p:p+4])[0]; p += 12
rid = (lambda b, o: struct.unpack('>Q', b[o:o+8])[0]) if idsz == 8 else (lambda b, o: struct.unpack('>I', b[o:o+4])[0])
TS = {2: idsz, 4: 1, 5: 2, 6: 4, 7: 8, 8: 1, 9: 2, 10: 4, 11: 8}
strings = {}; classname = {}; classes = {}
arrays = collections.Counter(); insts = []
while p < len(data):
    tag = data[p]; ln = struct.unpack('>I', data[p+5:p+9])[0]; p += 9; end = p + ln
    if tag == 0x01:
        strings[rid(data, p)] = data[p+idsz:end].decode('utf8', 'replace')
    elif tag == 0x02:
        classname[rid(data, p+4)] = rid(data, p+8+idsz)
    elif tag in (0x0C, 0x1C):
        q = p
        while q < end:
            st = data[q]; q += 1
            if st == 0xFF: q += idsz
            elif st in (0x01,): q += 2*idsz
            elif st in (0x02, 0x03): q += idsz + 8
            elif st == 0x04: q += idsz + 4
            elif st in (0x05, 0x07): q += idsz
            elif st == 0x06: q += idsz + 4
            elif st == 0x08: q += idsz + 8
            elif st == 0x20:
                cid = rid(data, q); sup = rid(data, q+4+idsz); q += 4 + 7*idsz + 4
                ncp = struct.unpack('>H', data[q:q+2])[0]; q += 2
                for _ in range(ncp):
                    t = data[q+2]; q += 3 + TS[t]
                ns = struct.unpack('>H', data[q:q+2])[0]; q += 2
                for _ in range(ns):
                    t = data[q+idsz]; q += idsz + 1 + TS[t]
                nf = struct.unpack('>H', data[q:q+2])[0]; q += 2
                fields = []
                for _ in range(nf):
                    fields.append((rid(data, q), data[q+idsz])); q += idsz + 1
                classes[cid] = (sup, fields)
            elif st == 0x21:
                oid = rid(data, q); cid = rid(data, q+4+idsz); n = struct.unpack('>I', data[q+4+2*idsz:q+8+2*idsz])[0]
                q += 8 + 2*idsz
                insts.append((cid, q, n)); q += n
            elif st == 0x22:
                n = struct.unpack('>I', data[q+4+idsz:q+8+idsz])[0]; q += 8 + 2*idsz + n*idsz
            elif st == 0x23:
                n = struct.unpack('>I', data[q+4+idsz:q+8+idsz])[0]; t = data[q+8+idsz]; q += 9 + idsz
                if t == 8: arrays[n] += 1
                q += n*TS[t]
            else:
                raise SystemExit('unknown subtag %x at %d' % (st, q))
    p = end
name = lambda cid: strings.get(classname.get(cid), '?')
# a view (slice, duplicate) of a direct buffer counts as one more here: NMT's 'Other' malloc count gives the allocations
dbb = [c for c in classes if name(c) == 'java/nio/DirectByteBuffer']
caps = collections.Counter()
if dbb:
    # field layout: own fields first, then the superclass's
    layout = []; c = dbb[0]
    while c in classes:
        layout += classes[c][1]; c = classes[c][0]
    off = 0; capoff = None
    for fid, t in layout:
        if strings.get(fid) == 'capacity' and capoff is None: capoff = off
        off += TS[t]
    for cid, q, n in insts:
        if cid == dbb[0]:
            caps[struct.unpack('>i', data[q+capoff:q+capoff+4])[0]] += 1
print('byte[] by length (count, MB):')
for n, c in sorted(arrays.items(), key=lambda kv: -kv[0]*kv[1])[:25]: print(f'  {n:>8} x {c:>6} = {n*c/1e6:8.2f} MB')
print('DirectByteBuffer by capacity:')
for n, c in sorted(caps.items(), key=lambda kv: -kv[0]*kv[1])[:15]: print(f'  {n:>8} x {c:>6} = {n*c/1e6:8.2f} MB')
