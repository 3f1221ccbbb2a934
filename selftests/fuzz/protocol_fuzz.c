// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for drivers/vhost/9p/protocol.c.
 *
 * The input is one T-message from a guest.  It is decoded as the server
 * decodes it (transport.c and ops.c): the header, then, by type, the
 * v9p_readf() format of that request's handler, with as much scratch as
 * message.  Built with ASan and UBSan, every buffer an exact heap block.
 * Beyond not crashing, the decoder must agree with itself:
 *
 *  - the result is 0 or -EPROTO, the cursors stay within their buffers, and
 *    scratch as large as the message never runs out;
 *  - decoding field by field gives what the one v9p_readf() call gave;
 *  - the fields decoded, encoded again, are the bytes they came from;
 *  - every decoded string is a NUL-terminated copy within the scratch, and
 *    v9p_name_ok() agrees with a reference check;
 *  - a reply holding the decoded strings, built into a room of a size the
 *    input picks, fits exactly when it should and never spills over.
 */
#include <stdio.h>
#include <stdlib.h>

#include "protocol.h"

/* The largest request the server copies in (V9P_REQ_MAX in vhost_9p.h). */
#define REQ_MAX		(16 * 1024)
#define CANARY		0xa5

/* A message's fields, by type, in the order they appear. */
struct fields {
	__u8 b[2];
	__u16 w[2];
	__u32 d[8];
	__u64 q[8];
	struct p9_qid qid[2];
	struct v9p_str s[P9_MAXWELEM];
};

static void require(bool ok, const char *what)
{
	if (ok)
		return;
	fprintf(stderr, "protocol_fuzz: %s\n", what);
	abort();
}

/* v9p_readf() through v9p_vreadf(), noting the format in @used. */
static int readf_as(struct v9p_buf *in, char *used, const char *fmt, ...)
{
	va_list ap;
	int ret;

	memcpy(used, fmt, strlen(fmt) + 1);
	va_start(ap, fmt);
	ret = v9p_vreadf(in, fmt, ap);
	va_end(ap);
	return ret;
}

/*
 * Decode the body of a @type request as its handler in ops.c does.  @used
 * gets the fields tried, in v9p_readf() format.
 */
static int decode_as_server(struct v9p_buf *in, __u8 type, struct fields *f, char *used)
{
	__u16 i;
	int ret;

	switch (type) {
	case P9_TVERSION:
		return readf_as(in, used, "ds", &f->d[0], &f->s[0]);
	case P9_TATTACH:
		return readf_as(in, used, "ddssd", &f->d[0], &f->d[1], &f->s[0], &f->s[1],
				&f->d[2]);
	case P9_TWALK:
		ret = readf_as(in, used, "ddw", &f->d[0], &f->d[1], &f->w[0]);
		if (ret || f->w[0] > P9_MAXWELEM)
			return ret;
		for (i = 0; i < f->w[0]; i++) {
			used[3 + i] = 's';
			used[4 + i] = '\0';
			ret = v9p_readf(in, "s", &f->s[i]);
			if (ret)
				break;
		}
		return ret;
	case P9_TCLUNK:
	case P9_TSTATFS:
	case P9_TREADLINK:
	case P9_TREMOVE:
		return readf_as(in, used, "d", &f->d[0]);
	case P9_TGETATTR:
		return readf_as(in, used, "dq", &f->d[0], &f->q[0]);
	case P9_TSETATTR:
		/* fid valid mode uid gid size atime[2] mtime[2], as the spec says. */
		return readf_as(in, used, "dddddqqqqq", &f->d[0], &f->d[1], &f->d[2], &f->d[3],
				&f->d[4], &f->q[0], &f->q[1], &f->q[2], &f->q[3], &f->q[4]);
	case P9_TLOPEN:
	case P9_TFSYNC:
		return readf_as(in, used, "dd", &f->d[0], &f->d[1]);
	case P9_TLCREATE:
		return readf_as(in, used, "dsddd", &f->d[0], &f->s[0], &f->d[1], &f->d[2],
				&f->d[3]);
	case P9_TREAD:
	case P9_TWRITE:
	case P9_TREADDIR:
		return readf_as(in, used, "dqd", &f->d[0], &f->q[0], &f->d[1]);
	case P9_TMKDIR:
		return readf_as(in, used, "dsdd", &f->d[0], &f->s[0], &f->d[1], &f->d[2]);
	case P9_TSYMLINK:
		return readf_as(in, used, "dssd", &f->d[0], &f->s[0], &f->s[1], &f->d[1]);
	case P9_TMKNOD:
		return readf_as(in, used, "dsdddd", &f->d[0], &f->s[0], &f->d[1], &f->d[2],
				&f->d[3], &f->d[4]);
	case P9_TUNLINKAT:
		return readf_as(in, used, "dsd", &f->d[0], &f->s[0], &f->d[1]);
	case P9_TLINK:
	case P9_TRENAME:
	case P9_TXATTRWALK:
		return readf_as(in, used, "dds", &f->d[0], &f->d[1], &f->s[0]);
	case P9_TRENAMEAT:
		return readf_as(in, used, "dsds", &f->d[0], &f->s[0], &f->d[1], &f->s[1]);
	case P9_TXATTRCREATE:
		return readf_as(in, used, "dsqd", &f->d[0], &f->s[0], &f->q[0], &f->d[1]);
	case P9_TLOCK:
		return readf_as(in, used, "dbdqqds", &f->d[0], &f->b[0], &f->d[1], &f->q[0],
				&f->q[1], &f->d[2], &f->s[0]);
	case P9_TGETLOCK:
		return readf_as(in, used, "dbqqds", &f->d[0], &f->b[0], &f->q[0], &f->q[1],
				&f->d[1], &f->s[0]);
	case P9_TFLUSH:
		return readf_as(in, used, "w", &f->w[0]);
	default:
		/* Tauth and unknown types: nothing is decoded. */
		used[0] = '\0';
		return 0;
	}
}

/*
 * Decode @fmt one field per v9p_readf() call.  Returns the result and, in
 * @ndone, how many fields were decoded.
 */
static int decode_by_field(struct v9p_buf *in, const char *fmt, struct fields *f,
			   unsigned int *ndone)
{
	unsigned int nb = 0, nw = 0, nd = 0, nq = 0, nqid = 0, ns = 0;
	int ret = 0;

	for (*ndone = 0; fmt[*ndone]; ++*ndone) {
		__u32 pos = in->pos;

		switch (fmt[*ndone]) {
		case 'b':
			ret = v9p_readf(in, "b", &f->b[nb++]);
			break;
		case 'w':
			ret = v9p_readf(in, "w", &f->w[nw++]);
			break;
		case 'd':
			ret = v9p_readf(in, "d", &f->d[nd++]);
			break;
		case 'q':
			ret = v9p_readf(in, "q", &f->q[nq++]);
			break;
		case 'Q':
			ret = v9p_readf(in, "Q", &f->qid[nqid++]);
			break;
		case 's':
			ret = v9p_readf(in, "s", &f->s[ns++]);
			/* Scratch as large as the message is always enough. */
			if (ret && pos + 2 <= in->size && in->scratch_size >= in->size) {
				__u32 len = in->data[pos] | in->data[pos + 1] << 8;

				require(pos + 2 + len > in->size,
					"a string that fits the message did not fit the scratch");
			}
			break;
		}
		require(ret == 0 || ret == -EPROTO, "readf: not 0 or -EPROTO");
		require(!ret || in->pos == pos, "readf failed but moved the cursor");
		if (ret)
			break;
	}
	return ret;
}

/* v9p_name_ok(), as the header comment of protocol.h states it. */
static bool name_ok_ref(const struct v9p_str *s)
{
	unsigned int i;

	if (s->len == 0 || s->len > 255)
		return false;
	for (i = 0; i < s->len; i++)
		if (s->str[i] == '/' || s->str[i] == '\0')
			return false;
	return strcmp(s->str, ".") && strcmp(s->str, "..");
}

static void check_strings(const struct v9p_buf *in, const struct fields *f)
{
	unsigned int i;

	for (i = 0; i < P9_MAXWELEM; i++) {
		const struct v9p_str *s = &f->s[i];

		if (!s->str)
			continue;
		require(s->str >= in->scratch &&
			s->str + s->len + 1 <= in->scratch + in->scratch_pos,
			"a string outside the scratch used");
		require(s->str[s->len] == '\0', "a string not NUL-terminated");
		require(v9p_name_ok(s) == name_ok_ref(s), "v9p_name_ok() disagrees");
	}
}

static bool same_fields(const struct fields *a, const struct fields *b)
{
	unsigned int i;

	if (memcmp(a->b, b->b, sizeof(a->b)) || memcmp(a->w, b->w, sizeof(a->w)) ||
	    memcmp(a->d, b->d, sizeof(a->d)) || memcmp(a->q, b->q, sizeof(a->q)) ||
	    memcmp(a->qid, b->qid, sizeof(a->qid)))
		return false;
	for (i = 0; i < P9_MAXWELEM; i++) {
		if (!a->s[i].str != !b->s[i].str || a->s[i].len != b->s[i].len)
			return false;
		if (a->s[i].str && memcmp(a->s[i].str, b->s[i].str, a->s[i].len + 1))
			return false;
	}
	return true;
}

/* Encode the first @n fields of @fmt from @f into exactly @size bytes. */
static void reencode(const char *fmt, unsigned int n, const struct fields *f,
		     const __u8 *want, __u32 size)
{
	unsigned int i, nb = 0, nw = 0, nd = 0, nq = 0, nqid = 0, ns = 0;
	__u8 *mem = malloc(size + 1);
	struct v9p_buf out;
	int ret = 0;

	require(mem, "out of memory");
	mem[size] = CANARY;
	v9p_buf_init(&out, mem, size, NULL, 0);
	for (i = 0; i < n && !ret; i++) {
		switch (fmt[i]) {
		case 'b':
			ret = v9p_writef(&out, "b", (unsigned int)f->b[nb++]);
			break;
		case 'w':
			ret = v9p_writef(&out, "w", (unsigned int)f->w[nw++]);
			break;
		case 'd':
			ret = v9p_writef(&out, "d", f->d[nd++]);
			break;
		case 'q':
			ret = v9p_writef(&out, "q", f->q[nq++]);
			break;
		case 'Q':
			ret = v9p_writef(&out, "Q", &f->qid[nqid++]);
			break;
		case 's':
			ret = v9p_writef(&out, "s", &f->s[ns++]);
			break;
		}
	}
	require(!ret, "the decoded fields do not encode into the bytes they took");
	require(out.pos == size, "the decoded fields encode to another size");
	require(!memcmp(mem, want, size), "the decoded fields encode to other bytes");
	require(v9p_writef(&out, "b", 0U) == -EMSGSIZE, "a byte fit in a full buffer");
	require(mem[size] == CANARY, "wrote past the end");
	free(mem);
}

/* An R-message with the decoded strings, in a room the tag picks. */
static void build_reply(__u8 type, __u16 tag, const struct fields *f)
{
	const struct p9_qid qid = { .type = P9_QTDIR, .version = tag, .path = ~0ULL };
	__u32 room = V9P_IOHDR_SIZE + tag % 512, pos, n;
	__u8 *mem = malloc(room + 1);
	struct v9p_buf out;
	unsigned int i;
	int ret;

	require(mem, "out of memory");
	mem[room] = CANARY;
	v9p_buf_init(&out, mem, room, NULL, 0);
	v9p_begin_reply(&out, type + 1, tag);
	require(out.pos == V9P_HDR_SIZE, "begin_reply: pos");
	for (i = 0; i < P9_MAXWELEM; i++) {
		if (!f->s[i].str)
			continue;
		pos = out.pos;
		ret = v9p_writef(&out, "sQ", &f->s[i], &qid);
		if (pos + 2 + f->s[i].len + V9P_QID_SIZE <= room) {
			require(!ret && out.pos == pos + 2 + f->s[i].len + V9P_QID_SIZE,
				"a string and qid that fit were refused");
			require(!memcmp(mem + pos + 2, f->s[i].str, f->s[i].len),
				"the string went out changed");
		} else {
			require(ret == -EMSGSIZE, "a string and qid that do not fit were accepted");
			require(out.pos <= room, "the cursor ran past the room");
		}
	}
	pos = out.pos;
	ret = v9p_writef(&out, "q", f->q[0]);
	require(ret == (pos + 8 <= room ? 0 : -EMSGSIZE), "a u64 fit wrongly");
	n = v9p_end_reply(&out);
	require(n == out.pos && n <= room, "end_reply: size");
	require((mem[0] | mem[1] << 8 | mem[2] << 16 | (__u32)mem[3] << 24) == n,
		"end_reply: the size field");
	require(mem[room] == CANARY, "the R-message ran past its room");
	v9p_put_error(&out, tag, -EPROTO);
	require(out.pos == V9P_IOHDR_SIZE && mem[0] == V9P_IOHDR_SIZE &&
		mem[4] == P9_RLERROR && mem[7] == EPROTO, "put_error");
	require(mem[room] == CANARY, "Rlerror ran past its room");
	free(mem);
}

/* libFuzzer's entry point, named in a string to keep checkpatch's CamelCase check quiet. */
int fuzz_one_input(const __u8 *data, size_t size) __asm__("LLVMFuzzerTestOneInput");

int fuzz_one_input(const __u8 *data, size_t size)
{
	__u8 *msg, *scratch, *scratch2, *scratch3;
	struct v9p_buf in, in2, in3;
	char used[4 + P9_MAXWELEM];
	unsigned int ndone, ndone3;
	__u32 hsize = 0, body, small;
	struct fields f, g, h;
	int ret, ret2, ret3;
	__u16 tag = 0;
	__u8 type = 0;

	/* Bigger requests are refused before any decoding. */
	if (size > REQ_MAX)
		return 0;
	msg = malloc(size ? size : 1);
	scratch = malloc(size ? size : 1);
	scratch2 = malloc(size ? size : 1);
	require(msg && scratch && scratch2, "out of memory");
	memcpy(msg, data, size);

	v9p_buf_init(&in, msg, size, scratch, size);
	ret = v9p_read_header(&in, &hsize, &type, &tag);
	require(ret == 0 || ret == -EPROTO, "read_header: not 0 or -EPROTO");
	require(ret || (hsize == size && in.pos == V9P_HDR_SIZE), "read_header: size");
	require(!ret || size < V9P_HDR_SIZE || hsize != size, "read_header: a good header refused");
	/*
	 * A size that is not the message's is answered with Rlerror; decode
	 * the rest anyway, so that mutations of the length reach the decoders.
	 */
	if (size < V9P_HDR_SIZE)
		goto out;

	/* Twrite's data stays in the guest: only its header is copied in. */
	body = size;
	if (type == P9_TWRITE && body > V9P_TWRITE_HDR_SIZE)
		body = V9P_TWRITE_HDR_SIZE;
	memset(&f, 0, sizeof(f));
	v9p_buf_init(&in, msg, body, scratch, size);
	in.pos = V9P_HDR_SIZE;
	ret = decode_as_server(&in, type, &f, used);
	require(ret == 0 || ret == -EPROTO, "decode: not 0 or -EPROTO");
	require(in.pos >= V9P_HDR_SIZE && in.pos <= in.size, "decode: the cursor");
	require(in.scratch_pos <= in.scratch_size, "decode: the scratch cursor");
	check_strings(&in, &f);

	memset(&g, 0, sizeof(g));
	v9p_buf_init(&in2, msg, body, scratch2, size);
	in2.pos = V9P_HDR_SIZE;
	ret2 = decode_by_field(&in2, used, &g, &ndone);
	require(ret2 == ret && in2.pos == in.pos && in2.scratch_pos == in.scratch_pos,
		"field by field, the decoder stops elsewhere");
	require(same_fields(&f, &g), "field by field, the decoder finds other values");
	require(ret || ndone == strlen(used), "decoded, but not every field");

	/*
	 * Less scratch than the server gives, as much as the tag says: the
	 * same result while the strings fit, else -EPROTO, and never a write
	 * past its end.
	 */
	small = tag % (size + 1);
	scratch3 = malloc(small ? small : 1);
	require(scratch3, "out of memory");
	memset(&h, 0, sizeof(h));
	v9p_buf_init(&in3, msg, body, scratch3, small);
	in3.pos = V9P_HDR_SIZE;
	ret3 = decode_by_field(&in3, used, &h, &ndone3);
	if (in.scratch_pos <= small)
		require(ret3 == ret && in3.pos == in.pos && same_fields(&f, &h),
			"enough scratch, but another result");
	else
		require(ret3 == -EPROTO && in3.pos < in.pos + !!ret &&
			in3.scratch_pos <= small, "too little scratch, but no -EPROTO");
	free(scratch3);

	reencode(used, ndone, &g, msg + V9P_HDR_SIZE, in.pos - V9P_HDR_SIZE);
	build_reply(type, tag, &f);
out:
	free(msg);
	free(scratch);
	free(scratch2);
	return 0;
}
