// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost-9p protocol: encode and decode 9P2000.L messages.
 *
 * Messages are read and written with format strings, one character per
 * field, as net/9p/protocol.c does on the client side:
 *
 *   b  u8          (read: u8 *,                write: unsigned int)
 *   w  u16         (read: u16 *,               write: unsigned int)
 *   d  u32         (read: u32 *,               write: u32)
 *   q  u64         (read: u64 *,               write: u64)
 *   s  string      (read: struct v9p_str *,    write: const struct v9p_str *)
 *   Q  qid         (read: struct p9_qid *,    write: const struct p9_qid *)
 *
 * Everything is little-endian on the wire.  A read that would run past the
 * end of the message fails with -EPROTO and leaves the cursor where the
 * failing field began; a write that does not fit fails with -EMSGSIZE.
 */
#include "protocol.h"

/**
 * v9p_buf_init() - set up a cursor over a message
 * @buf: the cursor
 * @data: the message, or the room for one
 * @size: its length, or the room
 * @scratch: room for the NUL-terminated copies of decoded strings (at
 *	least @size bytes for any message to fit; NULL when only encoding)
 * @scratch_size: its size
 */
void v9p_buf_init(struct v9p_buf *buf, void *data, u32 size, void *scratch,
		  u32 scratch_size)
{
	buf->data = data;
	buf->size = size;
	buf->pos = 0;
	buf->scratch = scratch;
	buf->scratch_size = scratch_size;
	buf->scratch_pos = 0;
}

static u64 get_le(const u8 *p, unsigned int n)
{
	u64 v = 0;

	while (n--)
		v = (v << 8) | p[n];
	return v;
}

static void put_le(u8 *p, u64 v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++, v >>= 8)
		p[i] = v & 0xff;
}

static bool room(const struct v9p_buf *buf, u32 n)
{
	return n <= buf->size - buf->pos;
}

static int read_int(struct v9p_buf *buf, u64 *v, unsigned int n)
{
	if (!room(buf, n))
		return -EPROTO;
	*v = get_le(buf->data + buf->pos, n);
	buf->pos += n;
	return 0;
}

static int write_int(struct v9p_buf *buf, u64 v, unsigned int n)
{
	if (!room(buf, n))
		return -EMSGSIZE;
	put_le(buf->data + buf->pos, v, n);
	buf->pos += n;
	return 0;
}

static int read_str(struct v9p_buf *buf, struct v9p_str *str)
{
	u32 start = buf->pos;
	char *copy;
	u64 len;

	if (read_int(buf, &len, 2))
		return -EPROTO;
	if (!room(buf, len) ||
	    len + 1 > buf->scratch_size - buf->scratch_pos) {
		buf->pos = start;
		return -EPROTO;
	}
	copy = buf->scratch + buf->scratch_pos;
	memcpy(copy, buf->data + buf->pos, len);
	copy[len] = '\0';
	buf->scratch_pos += len + 1;
	buf->pos += len;
	str->str = copy;
	str->len = len;
	return 0;
}

static int write_str(struct v9p_buf *buf, const struct v9p_str *str)
{
	if (!room(buf, 2 + (u32)str->len))
		return -EMSGSIZE;
	write_int(buf, str->len, 2);
	memcpy(buf->data + buf->pos, str->str, str->len);
	buf->pos += str->len;
	return 0;
}

static int read_qid(struct v9p_buf *buf, struct p9_qid *qid)
{
	if (!room(buf, V9P_QID_SIZE))
		return -EPROTO;
	qid->type = buf->data[buf->pos];
	qid->version = get_le(buf->data + buf->pos + 1, 4);
	qid->path = get_le(buf->data + buf->pos + 5, 8);
	buf->pos += V9P_QID_SIZE;
	return 0;
}

static int write_qid(struct v9p_buf *buf, const struct p9_qid *qid)
{
	if (!room(buf, V9P_QID_SIZE))
		return -EMSGSIZE;
	write_int(buf, qid->type, 1);
	write_int(buf, qid->version, 4);
	write_int(buf, qid->path, 8);
	return 0;
}

/**
 * v9p_vreadf() - decode fields, as v9p_readf()
 * @buf: the cursor
 * @fmt: one character per field (see the top of protocol.c)
 * @ap: where to store each field
 *
 * Return: 0, or -EPROTO if the message ends early (fields decoded so far
 * are stored, the cursor stays at the start of the failing field).
 */
int v9p_vreadf(struct v9p_buf *buf, const char *fmt, va_list ap)
{
	int ret = 0;
	u64 v;

	for (; *fmt && !ret; fmt++) {
		switch (*fmt) {
		case 'b':
			ret = read_int(buf, &v, 1);
			if (!ret)
				*va_arg(ap, u8 *) = v;
			break;
		case 'w':
			ret = read_int(buf, &v, 2);
			if (!ret)
				*va_arg(ap, u16 *) = v;
			break;
		case 'd':
			ret = read_int(buf, &v, 4);
			if (!ret)
				*va_arg(ap, u32 *) = v;
			break;
		case 'q':
			ret = read_int(buf, &v, 8);
			if (!ret)
				*va_arg(ap, u64 *) = v;
			break;
		case 's':
			ret = read_str(buf, va_arg(ap, struct v9p_str *));
			break;
		case 'Q':
			ret = read_qid(buf, va_arg(ap, struct p9_qid *));
			break;
		default:
			return -EINVAL;
		}
	}
	return ret;
}

/**
 * v9p_readf() - decode fields from a message
 * @buf: the cursor
 * @fmt: one character per field (see the top of protocol.c)
 *
 * Return: 0, or -EPROTO if the message ends early.
 */
int v9p_readf(struct v9p_buf *buf, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = v9p_vreadf(buf, fmt, ap);
	va_end(ap);
	return ret;
}

/**
 * v9p_vwritef() - encode fields, as v9p_writef()
 * @buf: the cursor
 * @fmt: one character per field (see the top of protocol.c)
 * @ap: the values
 *
 * Return: 0, or -EMSGSIZE if they do not fit.
 */
int v9p_vwritef(struct v9p_buf *buf, const char *fmt, va_list ap)
{
	int ret = 0;

	for (; *fmt && !ret; fmt++) {
		switch (*fmt) {
		case 'b':
			ret = write_int(buf, va_arg(ap, unsigned int), 1);
			break;
		case 'w':
			ret = write_int(buf, va_arg(ap, unsigned int), 2);
			break;
		case 'd':
			ret = write_int(buf, va_arg(ap, u32), 4);
			break;
		case 'q':
			ret = write_int(buf, va_arg(ap, u64), 8);
			break;
		case 's':
			ret = write_str(buf, va_arg(ap, const struct v9p_str *));
			break;
		case 'Q':
			ret = write_qid(buf, va_arg(ap, const struct p9_qid *));
			break;
		default:
			return -EINVAL;
		}
	}
	return ret;
}

/**
 * v9p_writef() - encode fields into a message
 * @buf: the cursor
 * @fmt: one character per field (see the top of protocol.c)
 *
 * Return: 0, or -EMSGSIZE if they do not fit.
 */
int v9p_writef(struct v9p_buf *buf, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = v9p_vwritef(buf, fmt, ap);
	va_end(ap);
	return ret;
}

/**
 * v9p_read_header() - decode and check a message header
 * @buf: the cursor, at the start of the message
 * @size: the size the header claims
 * @type: the message type
 * @tag: the tag
 *
 * The claimed size must be the size of the buffer: a message that says it is
 * shorter or longer than what the guest sent is malformed.
 *
 * Return: 0, or -EPROTO.
 */
int v9p_read_header(struct v9p_buf *buf, u32 *size, u8 *type, u16 *tag)
{
	if (v9p_readf(buf, "dbw", size, type, tag))
		return -EPROTO;
	if (*size != buf->size)
		return -EPROTO;
	return 0;
}

/**
 * v9p_begin_reply() - start an R-message at the start of @buf
 * @buf: the cursor, with room for at least the header
 * @type: the R-message type
 * @tag: the request's tag
 */
void v9p_begin_reply(struct v9p_buf *buf, u8 type, u16 tag)
{
	buf->pos = 0;
	v9p_writef(buf, "dbw", (u32)0, (unsigned int)type, (unsigned int)tag);
}

/**
 * v9p_end_reply() - finish the R-message in @buf: write its size
 * @buf: the cursor, after the last field
 *
 * Return: the size of the message.
 */
u32 v9p_end_reply(struct v9p_buf *buf)
{
	put_le(buf->data, buf->pos, 4);
	return buf->pos;
}

/**
 * v9p_end_reply_sized() - finish an R-message whose data lies beyond @buf
 * @buf: the cursor, after the header and count fields
 * @size: the size of the whole message, data included
 *
 * For Rread, whose data was written straight into the guest's buffers.
 */
void v9p_end_reply_sized(struct v9p_buf *buf, u32 size)
{
	put_le(buf->data, size, 4);
}

/**
 * v9p_put_error() - make @buf an Rlerror
 * @buf: the cursor, with room for at least 11 bytes
 * @tag: the request's tag
 * @err: a positive or negative errno
 */
void v9p_put_error(struct v9p_buf *buf, u16 tag, int err)
{
	v9p_begin_reply(buf, P9_RLERROR, tag);
	v9p_writef(buf, "d", (u32)(err < 0 ? -err : err));
	v9p_end_reply(buf);
}

/**
 * v9p_name_ok() - is @name usable as one path component
 * @name: a decoded string
 *
 * Return: false for the empty name, ".", "..", and names holding '/' or NUL.
 */
bool v9p_name_ok(const struct v9p_str *name)
{
	if (!name->len || name->len > 255)
		return false;
	if (memchr(name->str, '/', name->len) || memchr(name->str, '\0', name->len))
		return false;
	if (name->str[0] == '.' &&
	    (name->len == 1 || (name->len == 2 && name->str[1] == '.')))
		return false;
	return true;
}

static const char *const msg_names[V9P_MSG_TYPE_MAX] = {
	[P9_TLERROR] = "Tlerror",	[P9_RLERROR] = "Rlerror",
	[P9_TSTATFS] = "Tstatfs",	[P9_RSTATFS] = "Rstatfs",
	[P9_TLOPEN] = "Tlopen",	[P9_RLOPEN] = "Rlopen",
	[P9_TLCREATE] = "Tlcreate",	[P9_RLCREATE] = "Rlcreate",
	[P9_TSYMLINK] = "Tsymlink",	[P9_RSYMLINK] = "Rsymlink",
	[P9_TMKNOD] = "Tmknod",	[P9_RMKNOD] = "Rmknod",
	[P9_TRENAME] = "Trename",	[P9_RRENAME] = "Rrename",
	[P9_TREADLINK] = "Treadlink",	[P9_RREADLINK] = "Rreadlink",
	[P9_TGETATTR] = "Tgetattr",	[P9_RGETATTR] = "Rgetattr",
	[P9_TSETATTR] = "Tsetattr",	[P9_RSETATTR] = "Rsetattr",
	[P9_TXATTRWALK] = "Txattrwalk", [P9_RXATTRWALK] = "Rxattrwalk",
	[P9_TXATTRCREATE] = "Txattrcreate", [P9_RXATTRCREATE] = "Rxattrcreate",
	[P9_TREADDIR] = "Treaddir",	[P9_RREADDIR] = "Rreaddir",
	[P9_TFSYNC] = "Tfsync",	[P9_RFSYNC] = "Rfsync",
	[P9_TLOCK] = "Tlock",		[P9_RLOCK] = "Rlock",
	[P9_TGETLOCK] = "Tgetlock",	[P9_RGETLOCK] = "Rgetlock",
	[P9_TLINK] = "Tlink",		[P9_RLINK] = "Rlink",
	[P9_TMKDIR] = "Tmkdir",	[P9_RMKDIR] = "Rmkdir",
	[P9_TRENAMEAT] = "Trenameat",	[P9_RRENAMEAT] = "Rrenameat",
	[P9_TUNLINKAT] = "Tunlinkat",	[P9_RUNLINKAT] = "Runlinkat",
	[P9_TVERSION] = "Tversion",	[P9_RVERSION] = "Rversion",
	[P9_TAUTH] = "Tauth",		[P9_RAUTH] = "Rauth",
	[P9_TATTACH] = "Tattach",	[P9_RATTACH] = "Rattach",
	[P9_TERROR] = "Terror",	[P9_RERROR] = "Rerror",
	[P9_TFLUSH] = "Tflush",	[P9_RFLUSH] = "Rflush",
	[P9_TWALK] = "Twalk",		[P9_RWALK] = "Rwalk",
	[P9_TREAD] = "Tread",		[P9_RREAD] = "Rread",
	[P9_TWRITE] = "Twrite",	[P9_RWRITE] = "Rwrite",
	[P9_TCLUNK] = "Tclunk",	[P9_RCLUNK] = "Rclunk",
	[P9_TREMOVE] = "Tremove",	[P9_RREMOVE] = "Rremove",
};

/**
 * v9p_msg_name() - the name of a message type, for messages and traces
 * @type: a message type from the wire
 *
 * Return: its name, or "unknown".
 */
const char *v9p_msg_name(unsigned int type)
{
	if (type < V9P_MSG_TYPE_MAX && msg_names[type])
		return msg_names[type];
	return "unknown";
}
