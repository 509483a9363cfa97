// SPDX-License-Identifier: GPL-2.0
/*
 * Freestanding helpers: the string functions the compiler may call, a
 * small formatter, and the single libc-free path for fatal errors.
 * Nothing here may touch the application's libc or its %fs TLS.
 */
#include "runtime.h"

/* rep movsb/stosb: fast on every CPU with ERMS, and never turned back
 * into a call to ourselves by the compiler. DF is clear (the ABI, and the
 * kernel clears it for signal handlers). */
void *memcpy(void *d, const void *s, size_t n)
{
	void *dp = d;

	__asm__ volatile("rep movsb" : "+D"(dp), "+S"(s), "+c"(n) : : "memory");
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	if (dp < sp || dp >= sp + n)
		return memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];	/* overlapping, destination above: backwards */
	return d;
}

void *memset(void *d, int c, size_t n)
{
	void *dp = d;

	__asm__ volatile("rep stosb" : "+D"(dp), "+c"(n) : "a"(c) : "memory");
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int rt_strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int rt_strncmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i] || !a[i])
			return (unsigned char)a[i] - (unsigned char)b[i];
	return 0;
}

char *rt_strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (; *s; s++)
		if (*s == (char)c)
			last = s;
	return (char *)last;
}

int rt_parse_int(const char *s, long *out)
{
	long v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (1L << 40))
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

struct outbuf {
	char *buf;
	size_t size, len;
};

static void out_char(struct outbuf *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_padded(struct outbuf *o, const char *s, size_t n, int width,
		       int left, char pad)
{
	int fill = width > (int)n ? width - (int)n : 0;

	if (!left)
		while (fill-- > 0)
			out_char(o, pad);
	for (size_t i = 0; i < n; i++)
		out_char(o, s[i]);
	if (left)
		while (fill-- > 0)
			out_char(o, ' ');
}

static size_t utoa(char *tmp, unsigned long long v, unsigned base)
{
	size_t n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	for (size_t i = 0; i < n / 2; i++) {
		char c = tmp[i];

		tmp[i] = tmp[n - 1 - i];
		tmp[n - 1 - i] = c;
	}
	return n;
}

int rt_vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct outbuf o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		int left = 0, width = 0, lng = 0;
		char pad = ' ', tmp[24];
		unsigned long long u;
		long long s;
		size_t n;

		if (*fmt != '%') {
			out_char(&o, *fmt);
			continue;
		}
		fmt++;
		for (; *fmt == '-' || *fmt == '0'; fmt++) {
			if (*fmt == '-')
				left = 1;
			else
				pad = '0';
		}
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		for (; *fmt == 'l'; fmt++)
			lng++;
		switch (*fmt) {
		case 'd':
		case 'i':
			s = lng ? va_arg(ap, long long) : va_arg(ap, int);
			u = s < 0 ? 0ull - (unsigned long long)s : (unsigned long long)s;
			n = 0;
			if (s < 0)
				tmp[n++] = '-';
			n += utoa(tmp + n, u, 10);
			out_padded(&o, tmp, n, width, left, pad);
			break;
		case 'u':
		case 'x':
			u = lng ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned int);
			n = utoa(tmp, u, *fmt == 'x' ? 16 : 10);
			out_padded(&o, tmp, n, width, left, pad);
			break;
		case 'p':
			u = (uintptr_t)va_arg(ap, void *);
			tmp[0] = '0';
			tmp[1] = 'x';
			n = 2 + utoa(tmp + 2, u, 16);
			out_padded(&o, tmp, n, width, left, pad);
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);

			if (!str)
				str = "(null)";
			out_padded(&o, str, strlen(str), width, left, ' ');
			break;
		}
		case 'c':
			tmp[0] = (char)va_arg(ap, int);
			out_padded(&o, tmp, 1, width, left, ' ');
			break;
		case '%':
			out_char(&o, '%');
			break;
		default:
			out_char(&o, '%');
			if (!*fmt)
				fmt--;
			else
				out_char(&o, *fmt);
		}
	}
	if (o.size)
		o.buf[o.len < o.size ? o.len : o.size - 1] = 0;
	return (int)o.len;
}

int rt_format(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = rt_vformat(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

long rt_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;

	while (done < len) {
		long r = rt_sys3(__NR_write, fd, p + done, len - done);

		if (r == -4 /* EINTR */)
			continue;
		if (r <= 0)
			return r ? r : -5;
		done += (size_t)r;
	}
	return (long)done;
}

static void verrorf(const char *fmt, va_list ap)
{
	char line[512];
	size_t n = (size_t)rt_format(line, sizeof(line) - 1, "cse-loader: ");

	n += (size_t)rt_vformat(line + n, sizeof(line) - 1 - n, fmt, ap);
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	rt_write_all(2, line, n);
}

void rt_errorf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verrorf(fmt, ap);
	va_end(ap);
}

_Noreturn void rt_exit(int status)
{
	for (;;)
		rt_sys1(__NR_exit_group, status);
}

/*
 * The one fatal path: one line on stderr, then exit. 127 by default (the
 * program could not be started, as a shell reports it); RT_EXIT_USAGE for
 * bad element names or arguments, as cse-run reports its own usage errors.
 */
_Noreturn void rt_die_status(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verrorf(fmt, ap);
	va_end(ap);
	rt_exit(status);
}

/* Copies from and to the application's memory: -EFAULT instead of a fault. */
struct rt_iovec {
	const void *base;
	size_t len;
};

/*
 * Whose memory process_vm_readv/writev reach: any thread of this process
 * names it, so the calling thread's own tid, kept in its area (set when
 * the area is installed and in every fork child's first steps, before
 * anything is copied; thread.c), saves a getpid per copy. A vfork child
 * shares its parent's memory: either's id names the same memory. Before
 * the first area exists (element setups), getpid.
 */
static long self_pid(void)
{
	if (__atomic_load_n(&cse_gs_ready, __ATOMIC_RELAXED))
		return cse_self()->tid;
	return rt_sys0(__NR_getpid);
}

long rt_copy_from_app(void *dst, const void *src, size_t len)
{
	struct rt_iovec local = { dst, len }, remote = { src, len };
	long r = rt_sys6(__NR_process_vm_readv, self_pid(), &local, 1,
			 &remote, 1, 0);

	return r == (long)len ? 0 : -14;
}

long rt_copy_to_app(void *dst, const void *src, size_t len)
{
	struct rt_iovec local = { src, len }, remote = { dst, len };
	long r = rt_sys6(__NR_process_vm_writev, self_pid(), &local, 1,
			 &remote, 1, 0);

	return r == (long)len ? 0 : -14;
}

/*
 * A NUL-terminated string of the application: its length, -EFAULT, or
 * -ENAMETOOLONG when it needs more than size bytes. One read: the kernel
 * stops at the first unreadable page, which is fine when the NUL came first.
 */
long rt_copy_str_from_app(char *dst, const char *src, size_t size)
{
	struct rt_iovec local = { dst, size }, remote = { src, size };
	long r;

	if (!size)
		return -36;
	r = rt_sys6(__NR_process_vm_readv, self_pid(), &local, 1, &remote, 1, 0);
	if (r <= 0)
		return -14;	/* EFAULT */
	for (long i = 0; i < r; i++)
		if (!dst[i])
			return i;
	return r == (long)size ? -36 /* ENAMETOOLONG */ : -14;
}
