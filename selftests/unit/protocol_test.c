// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for drivers/vhost/9p/protocol.c, the 9P2000.L wire format.
 *
 * Built with ASan and UBSan by selftests/unit/run.sh.  Every buffer handed to
 * the code under test is a heap block of exactly its size, so a read or write
 * one byte past it stops the run.  Prints "ok - protocol/NAME" or
 * "FAIL protocol/NAME: DETAIL" per case, and exits 1 if any failed.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "protocol.h"

#define MAX_ALLOCS	256
#define CANARY		0xa5
#define FILL		0x5a
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static bool failed;
static char detail[512];
static void *allocs[MAX_ALLOCS];
static int nallocs;

/* Record the first failed check of a case; return @ok. */
static bool check(bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok || failed)
		return ok;
	failed = true;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return false;
}

/* A block of @size bytes set to @fill, freed when the case ends. */
static __u8 *talloc(size_t size, int fill)
{
	__u8 *p = malloc(size ? size : 1);

	if (!p || nallocs == MAX_ALLOCS) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	memset(p, fill, size);
	allocs[nallocs++] = p;
	return p;
}

static __u8 *tdup(const void *src, size_t size)
{
	__u8 *p = talloc(size, 0);

	memcpy(p, src, size);
	return p;
}

/* Compare @n bytes of @got with @want; say where they first differ. */
static bool check_bytes(const __u8 *got, const __u8 *want, size_t n, const char *what)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (got[i] != want[i])
			return check(false, "%s: byte %zu is 0x%02x, want 0x%02x",
				     what, i, got[i], want[i]);
	return true;
}

/* Little-endian, by hand: independent of protocol.c's get_le(). */
static __u64 le(const __u8 *p, unsigned int n)
{
	__u64 v = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		v |= (__u64)p[i] << (8 * i);
	return v;
}

/* A decoding cursor over a heap copy of @msg, with @scratch bytes of room. */
static void rbuf(struct v9p_buf *b, const void *msg, __u32 size, __u32 scratch)
{
	v9p_buf_init(b, tdup(msg, size), size, talloc(scratch, FILL), scratch);
}

/* An encoding cursor over @size bytes of heap. */
static __u8 *wbuf(struct v9p_buf *b, __u32 size)
{
	__u8 *mem = talloc(size, FILL);

	v9p_buf_init(b, mem, size, NULL, 0);
	return mem;
}

static void test_buf_init(void)
{
	struct v9p_buf b;
	__u8 data[4], scratch[8];

	memset(&b, 0xff, sizeof(b));
	v9p_buf_init(&b, data, sizeof(data), scratch, sizeof(scratch));
	check(b.data == data && b.size == 4 && b.pos == 0 && b.scratch == (char *)scratch &&
	      b.scratch_size == 8 && b.scratch_pos == 0,
	      "fields: size %u pos %u scratch_size %u scratch_pos %u",
	      b.size, b.pos, b.scratch_size, b.scratch_pos);
}

static void test_roundtrip_b(void)
{
	static const __u8 want[] = { 0xab, 0x00, 0xff };
	struct v9p_buf b;
	__u8 *mem = wbuf(&b, sizeof(want));
	__u8 x = 1, y = 1, z = 1;

	check(!v9p_writef(&b, "bbb", 0xabU, 0U, 0xffU), "writef failed");
	check(b.pos == 3, "write pos %u, want 3", b.pos);
	check_bytes(mem, want, sizeof(want), "wire");
	rbuf(&b, want, sizeof(want), 0);
	check(!v9p_readf(&b, "bbb", &x, &y, &z), "readf failed");
	check(x == 0xab && y == 0 && z == 0xff, "read %#x %#x %#x", x, y, z);
	check(b.pos == 3, "read pos %u, want 3", b.pos);
}

static void test_roundtrip_w(void)
{
	static const __u8 want[] = { 0x34, 0x12, 0xfe, 0xff };
	struct v9p_buf b;
	__u8 *mem = wbuf(&b, sizeof(want));
	__u16 x = 0, y = 0;

	check(!v9p_writef(&b, "ww", 0x1234U, 0xfffeU), "writef failed");
	check(b.pos == 4, "write pos %u, want 4", b.pos);
	check_bytes(mem, want, sizeof(want), "wire");
	rbuf(&b, want, sizeof(want), 0);
	check(!v9p_readf(&b, "ww", &x, &y), "readf failed");
	check(x == 0x1234 && y == 0xfffe, "read %#x %#x", x, y);
	check(b.pos == 4, "read pos %u, want 4", b.pos);
}

static void test_roundtrip_d(void)
{
	static const __u8 want[] = { 0x78, 0x56, 0x34, 0x12, 0xfe, 0xff, 0xff, 0xff };
	struct v9p_buf b;
	__u8 *mem = wbuf(&b, sizeof(want));
	__u32 x = 0, y = 0;

	check(!v9p_writef(&b, "dd", (__u32)0x12345678, (__u32)0xfffffffe), "writef failed");
	check(b.pos == 8, "write pos %u, want 8", b.pos);
	check_bytes(mem, want, sizeof(want), "wire");
	rbuf(&b, want, sizeof(want), 0);
	check(!v9p_readf(&b, "dd", &x, &y), "readf failed");
	check(x == 0x12345678 && y == 0xfffffffe, "read %#x %#x", x, y);
	check(b.pos == 8, "read pos %u, want 8", b.pos);
}

static void test_roundtrip_q(void)
{
	static const __u8 want[] = {
		0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	struct v9p_buf b;
	__u8 *mem = wbuf(&b, sizeof(want));
	__u64 x = 0, y = 0;

	check(!v9p_writef(&b, "qq", (__u64)0x0102030405060708ULL, (__u64)~0ULL),
	      "writef failed");
	check(b.pos == 16, "write pos %u, want 16", b.pos);
	check_bytes(mem, want, sizeof(want), "wire");
	rbuf(&b, want, sizeof(want), 0);
	check(!v9p_readf(&b, "qq", &x, &y), "readf failed");
	check(x == 0x0102030405060708ULL && y == ~0ULL, "read %#llx %#llx",
	      (unsigned long long)x, (unsigned long long)y);
	check(b.pos == 16, "read pos %u, want 16", b.pos);
}

static void test_roundtrip_s(void)
{
	static const __u8 want[] = { 0x05, 0x00, 'h', 'e', 'l', 'l', 'o', 0x00, 0x00 };
	const struct v9p_str hello = { .len = 5, .str = "hello" };
	const struct v9p_str empty = { .len = 0, .str = "" };
	struct v9p_str x = {}, y = { .len = 99 };
	struct v9p_buf b;
	__u8 *mem = wbuf(&b, sizeof(want));

	check(!v9p_writef(&b, "ss", &hello, &empty), "writef failed");
	check(b.pos == 9, "write pos %u, want 9", b.pos);
	check_bytes(mem, want, sizeof(want), "wire");
	rbuf(&b, want, sizeof(want), sizeof(want));
	if (!check(!v9p_readf(&b, "ss", &x, &y), "readf failed"))
		return;
	check(x.len == 5 && !memcmp(x.str, "hello", 6), "first string len %u", x.len);
	check(y.len == 0 && y.str[0] == '\0', "second string len %u", y.len);
	check(b.pos == 9, "read pos %u, want 9", b.pos);
	check(b.scratch_pos == 6 + 1, "scratch_pos %u, want 7", b.scratch_pos);
}

static void test_roundtrip_qid(void)
{
	static const __u8 want[] = {
		0x80, 0x44, 0x33, 0x22, 0x11,
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
	};
	const struct p9_qid qid = {
		.type = P9_QTDIR, .version = 0x11223344, .path = 0x8877665544332211ULL,
	};
	struct p9_qid got = {};
	struct v9p_buf b;
	__u8 *mem = wbuf(&b, sizeof(want));

	check(sizeof(want) == V9P_QID_SIZE, "V9P_QID_SIZE is %d", V9P_QID_SIZE);
	check(!v9p_writef(&b, "Q", &qid), "writef failed");
	check(b.pos == V9P_QID_SIZE, "write pos %u, want 13", b.pos);
	check_bytes(mem, want, sizeof(want), "wire");
	rbuf(&b, want, sizeof(want), 0);
	check(!v9p_readf(&b, "Q", &got), "readf failed");
	check(got.type == qid.type && got.version == qid.version && got.path == qid.path,
	      "read type %#x version %#x path %#llx", got.type, got.version,
	      (unsigned long long)got.path);
	check(b.pos == V9P_QID_SIZE, "read pos %u, want 13", b.pos);
}

static void test_roundtrip_long_string(void)
{
	struct v9p_str s = { .len = 300 }, got = {};
	char *text = (char *)talloc(300, 'x');
	struct v9p_buf b;
	__u8 *mem = wbuf(&b, 302);
	__u8 *msg;

	s.str = text;
	text[0] = 'A';
	text[299] = 'Z';
	check(!v9p_writef(&b, "s", &s), "writef failed");
	check(mem[0] == 0x2c && mem[1] == 0x01, "len bytes %02x %02x, want 2c 01",
	      mem[0], mem[1]);
	check(!memcmp(mem + 2, text, 300), "string bytes differ");
	msg = tdup(mem, 302);
	v9p_buf_init(&b, msg, 302, talloc(301, FILL), 301);
	if (!check(!v9p_readf(&b, "s", &got), "readf failed"))
		return;
	check(got.len == 300 && !memcmp(got.str, text, 300) && got.str[300] == '\0',
	      "read len %u", got.len);
}

/* 'b' and 'w' take an unsigned int: only the field's width goes out. */
static void test_write_truncates_to_width(void)
{
	static const __u8 want[] = { 0xab, 0x45, 0x23 };
	struct v9p_buf b;
	__u8 *mem = wbuf(&b, sizeof(want) + 1);

	check(!v9p_writef(&b, "bw", 0x1abU, 0x12345U), "writef failed");
	check(b.pos == 3, "pos %u, want 3", b.pos);
	check_bytes(mem, want, sizeof(want), "wire");
	check(mem[3] == FILL, "byte 3 written");
}

static const __u8 tversion[] = {
	0x15, 0x00, 0x00, 0x00,		/* size 21 */
	100,				/* Tversion */
	0xff, 0xff,			/* NOTAG */
	0x00, 0x20, 0x00, 0x00,		/* msize 8192 */
	0x08, 0x00, '9', 'P', '2', '0', '0', '0', '.', 'L',
};

static void test_tversion_encode(void)
{
	const struct v9p_str dotl = { .len = 8, .str = "9P2000.L" };
	struct v9p_buf b;
	__u8 *mem = wbuf(&b, sizeof(tversion));
	__u32 n;

	v9p_begin_reply(&b, P9_TVERSION, P9_NOTAG);
	check(!v9p_writef(&b, "ds", (__u32)8192, &dotl), "writef failed");
	n = v9p_end_reply(&b);
	check(n == sizeof(tversion), "size %u, want %zu", n, sizeof(tversion));
	check_bytes(mem, tversion, sizeof(tversion), "Tversion");
}

static void test_tversion_decode(void)
{
	struct v9p_str version = {};
	struct v9p_buf b;
	__u32 size = 0, msize = 0;
	__u16 tag = 0;
	__u8 type = 0;

	rbuf(&b, tversion, sizeof(tversion), sizeof(tversion));
	check(!v9p_read_header(&b, &size, &type, &tag), "read_header failed");
	check(size == 21 && type == P9_TVERSION && tag == P9_NOTAG,
	      "header size %u type %u tag %#x", size, type, tag);
	check(b.pos == V9P_HDR_SIZE, "pos after header %u", b.pos);
	if (!check(!v9p_readf(&b, "ds", &msize, &version), "readf failed"))
		return;
	check(msize == 8192, "msize %u", msize);
	check(version.len == 8 && !strcmp(version.str, "9P2000.L"), "version len %u",
	      version.len);
	check(b.pos == b.size, "pos %u, want %u", b.pos, b.size);
}

static const __u8 rlerror[] = {
	0x0b, 0x00, 0x00, 0x00, P9_RLERROR, 0x07, 0x00, 0x02, 0x00, 0x00, 0x00,
};

static void test_rlerror_negative(void)
{
	struct v9p_buf b;
	__u8 *mem = wbuf(&b, sizeof(rlerror));

	check(ENOENT == 2, "ENOENT is %d", ENOENT);
	v9p_put_error(&b, 7, -ENOENT);
	check(b.pos == 11, "pos %u, want 11", b.pos);
	check_bytes(mem, rlerror, sizeof(rlerror), "Rlerror");
}

static void test_rlerror_positive(void)
{
	struct v9p_buf b;
	__u8 *mem = wbuf(&b, 64);

	b.pos = 40;	/* a reply half built: Rlerror replaces it */
	v9p_put_error(&b, 7, ENOENT);
	check(b.pos == 11, "pos %u, want 11", b.pos);
	check_bytes(mem, rlerror, sizeof(rlerror), "Rlerror");
	check(mem[11] == FILL, "byte 11 written");
}

static void test_rwalk_two_qids(void)
{
	static const __u8 want[] = {
		0x23, 0x00, 0x00, 0x00, P9_RWALK, 0x01, 0x00,
		0x02, 0x00,
		0x80, 0x01, 0x00, 0x00, 0x00,
		0x2a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x02, 0x00, 0x00, 0x00,
		0x2b, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	const struct p9_qid q1 = { .type = P9_QTDIR, .version = 1, .path = 42 };
	const struct p9_qid q2 = { .type = P9_QTFILE, .version = 2, .path = 0x12b };
	struct p9_qid r1 = {}, r2 = {};
	struct v9p_buf b;
	__u8 *mem = wbuf(&b, sizeof(want));
	__u32 size;
	__u16 nwqid, tag;
	__u8 type;

	v9p_begin_reply(&b, P9_RWALK, 1);
	check(!v9p_writef(&b, "wQQ", 2U, &q1, &q2), "writef failed");
	check(v9p_end_reply(&b) == sizeof(want), "size %u, want 35", b.pos);
	check_bytes(mem, want, sizeof(want), "Rwalk");
	rbuf(&b, want, sizeof(want), 0);
	check(!v9p_read_header(&b, &size, &type, &tag), "read_header failed");
	check(!v9p_readf(&b, "wQQ", &nwqid, &r1, &r2), "readf failed");
	check(nwqid == 2 && r1.type == P9_QTDIR && r1.path == 42 && r2.version == 2 &&
	      r2.path == 0x12b, "decoded nwqid %u", nwqid);
}

/* Rgetattr as op_getattr() writes it: 160 bytes, fields at fixed offsets. */
static void test_rgetattr_layout(void)
{
	const struct p9_qid qid = { .type = P9_QTFILE, .version = 3, .path = 0x1122 };
	struct p9_qid rq = {};
	struct v9p_buf b;
	__u8 *mem = wbuf(&b, 160);
	__u64 q[16] = {}, valid = 0;
	__u32 d[3] = {};
	__u32 n;
	int i;

	v9p_begin_reply(&b, P9_RGETATTR, 0x0102);
	check(!v9p_writef(&b, "qQdddqqqqqqqqqqqqqqq", (__u64)P9_STATS_BASIC, &qid,
			  (__u32)0100644, (__u32)1000, (__u32)1001,
			  (__u64)1, (__u64)2, (__u64)3, (__u64)4, (__u64)5, (__u64)6,
			  (__u64)7, (__u64)8, (__u64)9, (__u64)10, (__u64)11, (__u64)12,
			  (__u64)13, (__u64)14, (__u64)0xfedcba9876543210ULL),
	      "writef failed");
	n = v9p_end_reply(&b);
	check(n == 160, "size %u, want 160", n);
	check(le(mem, 4) == 160 && mem[4] == P9_RGETATTR && le(mem + 5, 2) == 0x0102,
	      "header %02x %02x %02x %02x %02x", mem[0], mem[1], mem[2], mem[3], mem[4]);
	check(le(mem + 7, 8) == P9_STATS_BASIC, "valid at 7");
	check(mem[15] == P9_QTFILE && le(mem + 16, 4) == 3 && le(mem + 20, 8) == 0x1122,
	      "qid at 15");
	check(le(mem + 28, 4) == 0100644 && le(mem + 32, 4) == 1000 && le(mem + 36, 4) == 1001,
	      "mode uid gid at 28 32 36");
	for (i = 0; i < 14; i++)
		check(le(mem + 40 + 8 * i, 8) == (__u64)i + 1, "u64 field %d at %d", i, 40 + 8 * i);
	check(le(mem + 152, 8) == 0xfedcba9876543210ULL, "data_version at 152");

	rbuf(&b, mem, 160, 0);
	b.pos = V9P_HDR_SIZE;
	check(!v9p_readf(&b, "qQdddqqqqqqqqqqqqqqq", &valid, &rq, &d[0], &d[1], &d[2],
			 &q[0], &q[1], &q[2], &q[3], &q[4], &q[5], &q[6], &q[7], &q[8],
			 &q[9], &q[10], &q[11], &q[12], &q[13], &q[14]),
	      "readf failed");
	check(b.pos == 160, "read pos %u", b.pos);
	check(valid == P9_STATS_BASIC && rq.path == 0x1122 && d[0] == 0100644 &&
	      d[2] == 1001 && q[0] == 1 && q[13] == 14 && q[14] == 0xfedcba9876543210ULL,
	      "decoded values differ");
}

/* One of every field type, as "bwdqsQs": 35 bytes. */
static const __u8 every_field[] = {
	0xb1,
	0x02, 0xa0,
	0xd1, 0xd2, 0xd3, 0xd4,
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	0x03, 0x00, 'a', 'b', 'c',
	0x02, 0x11, 0x12, 0x13, 0x14, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,
	0x00, 0x00,
};

/* Where each field of every_field starts, and its end. */
static const __u32 every_field_start[] = { 0, 1, 3, 7, 15, 20, 33, 35 };

/*
 * every_field cut short at each length: each cut must fail with -EPROTO and
 * leave the cursor at the start of the field it falls in, with the fields
 * before it decoded.
 */
static void test_readf_truncation_points(void)
{
	__u32 len, i;

	check(sizeof(every_field) == 35, "every_field is %zu bytes", sizeof(every_field));
	for (len = 0; len <= sizeof(every_field) && !failed; len++) {
		struct v9p_str s1 = {}, s2 = {};
		struct p9_qid qid = {};
		struct v9p_buf b;
		__u64 q = 0;
		__u32 d = 0;
		__u16 w = 0;
		__u8 c = 0;
		int ret;

		/* The field len falls in: the last one that starts at or before it. */
		for (i = 0; i < 7 && every_field_start[i + 1] <= len; i++)
			;
		/* As the server: as much scratch as message. */
		rbuf(&b, every_field, len, len);
		ret = v9p_readf(&b, "bwdqsQs", &c, &w, &d, &q, &s1, &qid, &s2);
		if (len == sizeof(every_field)) {
			check(ret == 0, "whole message: ret %d", ret);
			check(b.pos == len, "whole message: pos %u", b.pos);
			check(s2.str && s2.len == 0 && s2.str[0] == '\0', "last string");
			check(b.scratch_pos == 5, "whole message: scratch_pos %u", b.scratch_pos);
			break;
		}
		check(ret == -EPROTO, "cut at %u: ret %d, want -EPROTO", len, ret);
		check(b.pos == every_field_start[i], "cut at %u: pos %u, want %u (field %u)",
		      len, b.pos, every_field_start[i], i);
		check(b.scratch_pos == (i > 4 ? 4 : 0), "cut at %u: scratch_pos %u", len,
		      b.scratch_pos);
		check(i < 1 || c == 0xb1, "cut at %u: b not stored", len);
		check(i < 2 || w == 0xa002, "cut at %u: w not stored", len);
		check(i < 3 || d == 0xd4d3d2d1, "cut at %u: d not stored", len);
		check(i < 4 || q == 0x0807060504030201ULL, "cut at %u: q not stored", len);
		check(i < 5 || (s1.str && s1.len == 3 && !strcmp(s1.str, "abc")),
		      "cut at %u: s not stored", len);
		check(i < 6 || (qid.type == 2 && qid.version == 0x14131211 &&
				qid.path == 0x2827262524232221ULL),
		      "cut at %u: Q not stored", len);
	}
}

static void test_readf_str_past_end(void)
{
	static const __u8 msg[] = { 0x0a, 0x00, 'a', 'b', 'c' };
	struct v9p_str s = {};
	struct v9p_buf b;
	__u8 c;
	int ret;

	rbuf(&b, msg, sizeof(msg), 64);
	ret = v9p_readf(&b, "s", &s);
	check(ret == -EPROTO, "ret %d, want -EPROTO", ret);
	check(b.pos == 0 && b.scratch_pos == 0, "pos %u scratch_pos %u, want 0 0",
	      b.pos, b.scratch_pos);
	/* One byte short of its length. */
	rbuf(&b, msg, sizeof(msg), 64);
	b.data[0] = 4;
	ret = v9p_readf(&b, "s", &s);
	check(ret == -EPROTO && b.pos == 0, "len 4 of 3: ret %d pos %u", ret, b.pos);
	/* Exactly its length. */
	b.data[0] = 3;
	ret = v9p_readf(&b, "s", &s);
	check(ret == 0 && b.pos == 5, "len 3 of 3: ret %d pos %u", ret, b.pos);
	/* Nothing after the string that failed, though it would fit. */
	rbuf(&b, msg, sizeof(msg), 64);
	b.data[0] = 4;
	c = 0;
	ret = v9p_readf(&b, "sb", &s, &c);
	check(ret == -EPROTO && b.pos == 0 && c == 0, "s then b: ret %d pos %u b %#x",
	      ret, b.pos, c);
}

/* The largest length a string can claim, with the cursor past the start. */
static void test_readf_str_huge_len(void)
{
	static const __u8 msg[] = { 0x01, 0x00, 0x00, 0x00, 0xff, 0xff, 'x', 'y' };
	struct v9p_str s = {};
	struct v9p_buf b;
	__u32 d = 0;
	int ret;

	rbuf(&b, msg, sizeof(msg), 0x20000);
	ret = v9p_readf(&b, "ds", &d, &s);
	check(ret == -EPROTO, "ret %d, want -EPROTO", ret);
	check(d == 1 && b.pos == 4 && b.scratch_pos == 0, "d %u pos %u scratch_pos %u",
	      d, b.pos, b.scratch_pos);
	check(!s.str, "string stored");
}

static void test_readf_scratch_too_small(void)
{
	static const __u8 msg[] = { 0x05, 0x00, 'h', 'e', 'l', 'l', 'o' };
	struct v9p_str s = {};
	struct v9p_buf b;
	int ret;

	/* "hello" and its NUL need 6 bytes. */
	rbuf(&b, msg, sizeof(msg), 5);
	ret = v9p_readf(&b, "s", &s);
	check(ret == -EPROTO, "scratch 5: ret %d, want -EPROTO", ret);
	check(b.pos == 0 && b.scratch_pos == 0, "scratch 5: pos %u scratch_pos %u",
	      b.pos, b.scratch_pos);
	rbuf(&b, msg, sizeof(msg), 0);
	check(v9p_readf(&b, "s", &s) == -EPROTO && b.pos == 0, "no scratch: not -EPROTO");
	rbuf(&b, msg, sizeof(msg), 6);
	ret = v9p_readf(&b, "s", &s);
	check(ret == 0 && b.scratch_pos == 6 && !strcmp(s.str, "hello"),
	      "scratch 6: ret %d scratch_pos %u", ret, b.scratch_pos);
}

/* The second string does not fit in what the first left of the scratch. */
static void test_readf_scratch_exhausted(void)
{
	static const __u8 msg[] = { 0x02, 0x00, 'a', 'b', 0x02, 0x00, 'c', 'd' };
	struct v9p_str s1 = {}, s2 = {};
	struct v9p_buf b;
	int ret;

	rbuf(&b, msg, sizeof(msg), 5);
	ret = v9p_readf(&b, "ss", &s1, &s2);
	check(ret == -EPROTO, "ret %d, want -EPROTO", ret);
	check(b.pos == 4 && b.scratch_pos == 3, "pos %u scratch_pos %u, want 4 3",
	      b.pos, b.scratch_pos);
	check(s1.str && !strcmp(s1.str, "ab"), "first string not stored");
	rbuf(&b, msg, sizeof(msg), 6);
	ret = v9p_readf(&b, "ss", &s1, &s2);
	check(ret == 0 && b.scratch_pos == 6 && !strcmp(s2.str, "cd"),
	      "scratch 6: ret %d scratch_pos %u", ret, b.scratch_pos);
}

static void test_readf_unknown_format(void)
{
	static const char *const bad[] = { "x", "S", "D", " ", "%", "db?", "Z" };
	static const __u8 msg[16] = {};
	struct v9p_buf b;
	unsigned int i;
	__u32 d;
	__u8 c;
	int ret;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		rbuf(&b, msg, sizeof(msg), sizeof(msg));
		ret = v9p_readf(&b, bad[i], &d, &c);
		check(ret == -EINVAL, "\"%s\": ret %d, want -EINVAL", bad[i], ret);
	}
	rbuf(&b, msg, sizeof(msg), sizeof(msg));
	check(v9p_readf(&b, "") == 0 && b.pos == 0, "empty format");
}

static void test_writef_unknown_format(void)
{
	struct v9p_buf b;
	int ret;

	wbuf(&b, 16);
	ret = v9p_writef(&b, "x", 1U);
	check(ret == -EINVAL, "\"x\": ret %d, want -EINVAL", ret);
	ret = v9p_writef(&b, "dT", (__u32)1, 2U);
	check(ret == -EINVAL, "\"dT\": ret %d, want -EINVAL", ret);
}

/* True if @n bytes at @p are all @c. */
static bool all(const __u8 *p, __u32 n, int c)
{
	while (n--)
		if (*p++ != c)
			return false;
	return true;
}

/*
 * Each field type into one byte too little room: -EMSGSIZE, nothing
 * written, not even the canary in the byte past the room.
 */
static void test_writef_emsgsize_each_type(void)
{
	static const char fmts[] = "bwdqsQ";
	static const __u32 need[] = { 1, 2, 4, 8, 7, 13 };
	const struct v9p_str hello = { .len = 5, .str = "hello" };
	const struct p9_qid qid = { .type = 1, .version = 2, .path = 3 };
	char fmt[2] = {};
	unsigned int i;
	struct v9p_buf b;
	__u8 *mem;
	int ret;

	for (i = 0; i < 6; i++) {
		mem = talloc(need[i], FILL);
		mem[need[i] - 1] = CANARY;
		v9p_buf_init(&b, mem, need[i] - 1, NULL, 0);
		fmt[0] = fmts[i];
		switch (fmts[i]) {
		case 'q':
			ret = v9p_writef(&b, fmt, (__u64)~0ULL);
			break;
		case 's':
			ret = v9p_writef(&b, fmt, &hello);
			break;
		case 'Q':
			ret = v9p_writef(&b, fmt, &qid);
			break;
		default:
			ret = v9p_writef(&b, fmt, ~0U);
			break;
		}
		check(ret == -EMSGSIZE, "'%c': ret %d, want -EMSGSIZE", fmts[i], ret);
		check(b.pos == 0, "'%c': pos %u, want 0", fmts[i], b.pos);
		check(all(mem, need[i] - 1, FILL), "'%c': wrote into the room", fmts[i]);
		check(mem[need[i] - 1] == CANARY, "'%c': wrote past the end", fmts[i]);
	}
}

/* Fields that fit are written; the first that does not stops it. */
static void test_writef_emsgsize_partial(void)
{
	const struct v9p_str s = { .len = 3, .str = "abc" };
	struct v9p_buf b;
	__u8 *mem = talloc(11, FILL);
	int ret;

	mem[10] = CANARY;
	v9p_buf_init(&b, mem, 10, NULL, 0);
	ret = v9p_writef(&b, "dds", (__u32)0x01020304, (__u32)0x05060708, &s);
	check(ret == -EMSGSIZE, "ret %d, want -EMSGSIZE", ret);
	check(b.pos == 8, "pos %u, want 8", b.pos);
	check(le(mem, 4) == 0x01020304 && le(mem + 4, 4) == 0x05060708, "fields before");
	check(all(mem + 8, 2, FILL) && mem[10] == CANARY, "string partly written");
	/* Room left: 2 bytes; a 'w' fits, then a 'b' does not. */
	ret = v9p_writef(&b, "wb", 0xbeefU, 1U);
	check(ret == -EMSGSIZE && b.pos == 10 && le(mem + 8, 2) == 0xbeef &&
	      mem[10] == CANARY, "w then b: ret %d pos %u", ret, b.pos);
	/* Nothing after the field that did not fit, though it would. */
	mem = wbuf(&b, 3);
	ret = v9p_writef(&b, "db", (__u32)1, 0xeeU);
	check(ret == -EMSGSIZE && b.pos == 0 && all(mem, 3, FILL),
	      "d then b in 3 bytes: ret %d pos %u", ret, b.pos);
}

static void test_writef_exact_fit(void)
{
	const struct v9p_str s = { .len = 3, .str = "abc" };
	const struct p9_qid qid = { .type = 1, .version = 2, .path = 3 };
	struct v9p_buf b;
	__u8 *mem = talloc(34, FILL);
	int ret;

	mem[33] = CANARY;
	v9p_buf_init(&b, mem, 33, NULL, 0);
	ret = v9p_writef(&b, "bwdqsQ", 1U, 2U, (__u32)3, (__u64)4, &s, &qid);
	check(ret == 0 && b.pos == 33, "ret %d pos %u, want 0 33", ret, b.pos);
	check(mem[33] == CANARY, "wrote past the end");
	check(v9p_writef(&b, "b", 0U) == -EMSGSIZE && mem[33] == CANARY, "full: byte fits");
	check(v9p_writef(&b, "") == 0 && b.pos == 33, "full: empty format");
}

/* A decoded string is a NUL-terminated copy in the scratch, not an alias. */
static void test_str_copy_in_scratch(void)
{
	static const __u8 msg[] = { 0x03, 0x00, 'a', 'b', 'c' };
	struct v9p_str s = {};
	struct v9p_buf b;

	rbuf(&b, msg, sizeof(msg), sizeof(msg));
	if (!check(!v9p_readf(&b, "s", &s), "readf failed"))
		return;
	check(s.str == b.scratch, "string at %p, scratch at %p", (void *)s.str,
	      (void *)b.scratch);
	check(s.len == 3 && !memcmp(s.str, "abc", 3), "len %u", s.len);
	check(s.str[3] == '\0', "not NUL-terminated");
	check(b.scratch[4] == FILL, "scratch written past the NUL");
	b.data[2] = 'z';
	check(s.str[0] == 'a', "string aliases the message");
}

static void test_str_embedded_nul(void)
{
	static const __u8 msg[] = { 0x03, 0x00, 'a', 0x00, 'b' };
	struct v9p_str s = {};
	struct v9p_buf b;

	rbuf(&b, msg, sizeof(msg), sizeof(msg));
	if (!check(!v9p_readf(&b, "s", &s), "readf failed"))
		return;
	check(s.len == 3, "len %u, want 3", s.len);
	check(!memcmp(s.str, "a\0b", 4), "bytes %02x %02x %02x %02x", s.str[0], s.str[1],
	      s.str[2], s.str[3]);
	check(!v9p_name_ok(&s), "a name with a NUL accepted");
}

/* Tattach's two strings: one after the other in the scratch. */
static void test_str_consecutive(void)
{
	static const __u8 msg[] = {
		0x01, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
		0x04, 0x00, 'r', 'o', 'o', 't',
		0x00, 0x00,
		0xe8, 0x03, 0x00, 0x00,
	};
	struct v9p_str uname = {}, aname = {};
	__u32 fid = 0, afid = 0, n_uname = 0;
	struct v9p_buf b;

	rbuf(&b, msg, sizeof(msg), sizeof(msg));
	if (!check(!v9p_readf(&b, "ddssd", &fid, &afid, &uname, &aname, &n_uname),
		   "readf failed"))
		return;
	check(fid == 1 && afid == P9_NOFID && n_uname == 1000, "fid %u afid %#x n_uname %u",
	      fid, afid, n_uname);
	check(uname.len == 4 && !strcmp(uname.str, "root"), "uname");
	check(aname.len == 0 && aname.str == uname.str + 5 && aname.str[0] == '\0',
	      "aname at +%td", aname.str - uname.str);
	check(b.scratch_pos == 6 && b.pos == sizeof(msg), "scratch_pos %u pos %u",
	      b.scratch_pos, b.pos);
}

/* Twalk as op_walk() decodes it: "ddw", then one "s" per name. */
static void test_twalk_three_names(void)
{
	static const __u8 msg[] = {
		0x27, 0x00, 0x00, 0x00, P9_TWALK, 0x05, 0x00,
		0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x00,
		0x03, 0x00, 'u', 's', 'r',
		0x05, 0x00, 'l', 'o', 'c', 'a', 'l',
		0x08, 0x00, 'm', 'y', '.', 'f', 'i', 'l', 'e', 's',
	};
	static const char *const want[] = { "usr", "local", "my.files" };
	struct v9p_str names[3] = {};
	__u32 size, fid, newfid;
	struct v9p_buf b;
	__u16 tag, nwname = 0, i;
	__u8 type;

	rbuf(&b, msg, sizeof(msg), sizeof(msg));
	check(!v9p_read_header(&b, &size, &type, &tag) && type == P9_TWALK && tag == 5,
	      "header");
	if (!check(!v9p_readf(&b, "ddw", &fid, &newfid, &nwname) && nwname == 3,
		   "ddw: nwname %u", nwname))
		return;
	for (i = 0; i < nwname; i++) {
		if (!check(!v9p_readf(&b, "s", &names[i]), "name %u failed", i))
			return;
		check(names[i].len == strlen(want[i]) && !strcmp(names[i].str, want[i]) &&
		      v9p_name_ok(&names[i]), "name %u is \"%s\"", i, names[i].str);
	}
	check(b.pos == b.size, "pos %u, want %u", b.pos, b.size);
	check(v9p_readf(&b, "s", &names[0]) == -EPROTO, "a fourth name decoded");
}

static void test_read_header_ok(void)
{
	static const __u8 msg[] = { 0x07, 0x00, 0x00, 0x00, P9_TFLUSH, 0x34, 0x12 };
	struct v9p_buf b;
	__u32 size = 0;
	__u16 tag = 0;
	__u8 type = 0;

	rbuf(&b, msg, sizeof(msg), 0);
	check(!v9p_read_header(&b, &size, &type, &tag), "read_header failed");
	check(size == 7 && type == P9_TFLUSH && tag == 0x1234, "size %u type %u tag %#x",
	      size, type, tag);
	check(b.pos == V9P_HDR_SIZE, "pos %u", b.pos);
}

static void test_read_header_size_mismatch(void)
{
	static const __u32 claims[] = { 0, 7, 10, 12, 0x0100000b, 0xffffffff };
	__u8 msg[11] = { 0, 0, 0, 0, P9_TCLUNK, 1, 0, 1, 0, 0, 0 };
	struct v9p_buf b;
	unsigned int i;
	__u32 size;
	__u16 tag;
	__u8 type;
	int ret;

	for (i = 0; i < ARRAY_SIZE(claims); i++) {
		msg[0] = claims[i];
		msg[1] = claims[i] >> 8;
		msg[2] = claims[i] >> 16;
		msg[3] = claims[i] >> 24;
		rbuf(&b, msg, sizeof(msg), 0);
		ret = v9p_read_header(&b, &size, &type, &tag);
		check(ret == -EPROTO, "claims %u of 11: ret %d, want -EPROTO", claims[i], ret);
	}
	msg[0] = 11;
	msg[1] = 0;
	msg[2] = 0;
	msg[3] = 0;
	rbuf(&b, msg, sizeof(msg), 0);
	check(!v9p_read_header(&b, &size, &type, &tag), "claims 11 of 11: failed");
}

static void test_read_header_short(void)
{
	static const __u8 msg[] = { 0x06, 0x00, 0x00, 0x00, P9_TCLUNK, 0x01, 0x00 };
	struct v9p_buf b;
	__u32 len, size;
	__u16 tag;
	__u8 type;
	int ret;

	for (len = 0; len < V9P_HDR_SIZE; len++) {
		__u8 *m = tdup(msg, len);

		/* Even when it claims the size it has. */
		if (len >= 1)
			m[0] = len;
		v9p_buf_init(&b, m, len, NULL, 0);
		ret = v9p_read_header(&b, &size, &type, &tag);
		check(ret == -EPROTO, "%u bytes: ret %d, want -EPROTO", len, ret);
		check(b.pos <= len, "%u bytes: pos %u", len, b.pos);
	}
}

static void test_name_ok_rejects(void)
{
	static const struct v9p_str bad[] = {
		{ .len = 0, .str = "" },
		{ .len = 1, .str = "." },
		{ .len = 2, .str = ".." },
		{ .len = 3, .str = "a/b" },
		{ .len = 1, .str = "/" },
		{ .len = 3, .str = "ab/" },
		{ .len = 3, .str = "a\0b" },
		{ .len = 1, .str = "" },
	};
	struct v9p_str s;
	unsigned int i;
	char *name;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		check(!v9p_name_ok(&bad[i]), "name %u (len %u) accepted", i, bad[i].len);
	name = (char *)talloc(257, 'a');
	name[256] = '\0';
	s.str = name;
	s.len = 256;
	check(!v9p_name_ok(&s), "256-byte name accepted");
	s.len = 0xffff;
	name[256] = 'a';
	s.str = (char *)talloc(0x10000, 'a');
	check(!v9p_name_ok(&s), "65535-byte name accepted");
}

static void test_name_ok_accepts(void)
{
	static const struct v9p_str good[] = {
		{ .len = 1, .str = "a" },
		{ .len = 3, .str = "..." },
		{ .len = 2, .str = ".x" },
		{ .len = 3, .str = "..x" },
		{ .len = 2, .str = "x." },
		{ .len = 1, .str = "\\" },
	};
	struct v9p_str s;
	unsigned int i;
	char *name;

	for (i = 0; i < ARRAY_SIZE(good); i++)
		check(v9p_name_ok(&good[i]), "\"%s\" rejected", good[i].str);
	/* Exactly 255 bytes, not NUL-terminated: only len counts. */
	name = (char *)talloc(255, 'n');
	s.str = name;
	s.len = 255;
	check(v9p_name_ok(&s), "255-byte name rejected");
}

static void test_begin_reply(void)
{
	struct v9p_buf b;
	__u8 *mem = wbuf(&b, 16);

	b.pos = 12;
	v9p_begin_reply(&b, P9_RCLUNK, 0xabcd);
	check(b.pos == V9P_HDR_SIZE, "pos %u, want 7", b.pos);
	check(le(mem, 4) == 0 && mem[4] == P9_RCLUNK && le(mem + 5, 2) == 0xabcd,
	      "header %02x %02x %02x %02x %02x %02x %02x", mem[0], mem[1], mem[2], mem[3],
	      mem[4], mem[5], mem[6]);
	check(mem[7] == FILL, "byte 7 written");
}

static void test_end_reply(void)
{
	struct v9p_str s = { .len = 300 };
	struct v9p_buf b;
	__u8 *mem = wbuf(&b, 400);
	__u32 n;

	v9p_begin_reply(&b, P9_RCLUNK, 9);
	n = v9p_end_reply(&b);
	check(n == 7 && le(mem, 4) == 7 && b.pos == 7, "empty reply: size %u", n);
	v9p_begin_reply(&b, P9_RREADLINK, 9);
	s.str = (char *)talloc(300, 'l');
	check(!v9p_writef(&b, "s", &s), "writef failed");
	n = v9p_end_reply(&b);
	check(n == 309 && b.pos == 309, "returned %u pos %u, want 309", n, b.pos);
	check(mem[0] == 0x35 && mem[1] == 0x01 && mem[2] == 0 && mem[3] == 0,
	      "size bytes %02x %02x %02x %02x", mem[0], mem[1], mem[2], mem[3]);
	check(mem[4] == P9_RREADLINK && le(mem + 5, 2) == 9 && le(mem + 7, 2) == 300,
	      "fields after the size changed");
}

static void test_end_reply_sized(void)
{
	struct v9p_buf b;
	__u8 *mem = wbuf(&b, 16);

	v9p_begin_reply(&b, P9_RREAD, 4);
	check(!v9p_writef(&b, "d", (__u32)0x10000), "writef failed");
	v9p_end_reply_sized(&b, V9P_IOHDR_SIZE + 0x10000);
	check(le(mem, 4) == V9P_IOHDR_SIZE + 0x10000, "size field %#llx",
	      (unsigned long long)le(mem, 4));
	check(b.pos == V9P_IOHDR_SIZE, "pos %u, want 11", b.pos);
	check(mem[4] == P9_RREAD && le(mem + 5, 2) == 4 && le(mem + 7, 4) == 0x10000,
	      "fields after the size changed");
	check(mem[11] == FILL, "byte 11 written");
	v9p_end_reply_sized(&b, 0xfffffffe);
	check(le(mem, 4) == 0xfffffffe, "size field %#llx", (unsigned long long)le(mem, 4));
}

static void test_msg_name(void)
{
	static const struct {
		unsigned int type;
		const char *name;
	} want[] = {
		{ 110, "Twalk" }, { 111, "Rwalk" }, { 100, "Tversion" }, { 7, "Rlerror" },
		{ 24, "Tgetattr" }, { 123, "Rremove" }, { 0, "unknown" }, { 1, "unknown" },
		{ 28, "unknown" }, { 124, "unknown" }, { 200, "unknown" }, { 255, "unknown" },
		{ 256, "unknown" }, { 1000, "unknown" }, { UINT_MAX, "unknown" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(want); i++) {
		const char *got = v9p_msg_name(want[i].type);

		check(got && !strcmp(got, want[i].name), "%u: \"%s\", want \"%s\"",
		      want[i].type, got ? got : "(null)", want[i].name);
	}
}

/* Every named T-message's R-message is named R..., with the same tail. */
static void test_msg_name_pairs(void)
{
	unsigned int t;

	for (t = 0; t < 255; t++) {
		const char *tn = v9p_msg_name(t), *rn = v9p_msg_name(t + 1);

		if (tn[0] != 'T')
			continue;
		check(rn[0] == 'R' && !strcmp(tn + 1, rn + 1), "%u is %s but %u is %s",
		      t, tn, t + 1, rn);
	}
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "buf_init", test_buf_init },
	{ "roundtrip_b", test_roundtrip_b },
	{ "roundtrip_w", test_roundtrip_w },
	{ "roundtrip_d", test_roundtrip_d },
	{ "roundtrip_q", test_roundtrip_q },
	{ "roundtrip_s", test_roundtrip_s },
	{ "roundtrip_Q", test_roundtrip_qid },
	{ "roundtrip_long_string", test_roundtrip_long_string },
	{ "write_truncates_to_width", test_write_truncates_to_width },
	{ "tversion_encode", test_tversion_encode },
	{ "tversion_decode", test_tversion_decode },
	{ "rlerror_negative_errno", test_rlerror_negative },
	{ "rlerror_positive_errno", test_rlerror_positive },
	{ "rwalk_two_qids", test_rwalk_two_qids },
	{ "rgetattr_layout", test_rgetattr_layout },
	{ "readf_truncation_points", test_readf_truncation_points },
	{ "readf_str_past_end", test_readf_str_past_end },
	{ "readf_str_huge_len", test_readf_str_huge_len },
	{ "readf_scratch_too_small", test_readf_scratch_too_small },
	{ "readf_scratch_exhausted", test_readf_scratch_exhausted },
	{ "readf_unknown_format", test_readf_unknown_format },
	{ "writef_unknown_format", test_writef_unknown_format },
	{ "writef_emsgsize_each_type", test_writef_emsgsize_each_type },
	{ "writef_emsgsize_partial", test_writef_emsgsize_partial },
	{ "writef_exact_fit", test_writef_exact_fit },
	{ "str_copy_in_scratch", test_str_copy_in_scratch },
	{ "str_embedded_nul", test_str_embedded_nul },
	{ "str_consecutive", test_str_consecutive },
	{ "twalk_three_names", test_twalk_three_names },
	{ "read_header_ok", test_read_header_ok },
	{ "read_header_size_mismatch", test_read_header_size_mismatch },
	{ "read_header_short", test_read_header_short },
	{ "name_ok_rejects", test_name_ok_rejects },
	{ "name_ok_accepts", test_name_ok_accepts },
	{ "begin_reply", test_begin_reply },
	{ "end_reply", test_end_reply },
	{ "end_reply_sized", test_end_reply_sized },
	{ "msg_name", test_msg_name },
	{ "msg_name_pairs", test_msg_name_pairs },
};

int main(void)
{
	unsigned int i;
	int nfail = 0;

	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		failed = false;
		detail[0] = '\0';
		tests[i].fn();
		while (nallocs)
			free(allocs[--nallocs]);
		if (failed) {
			nfail++;
			printf("FAIL protocol/%s: %s\n", tests[i].name, detail);
		} else {
			printf("ok - protocol/%s\n", tests[i].name);
		}
		fflush(stdout);
	}
	return nfail ? 1 : 0;
}
