/* OpenSSL's X509_verify_cert on the peer chains (eng/peers/make_chains.py writes chains.pem: per chain the leaf,
 * the intermediate and the root, chain i's leaf naming host<i>.peers.test). Per chain, cold: the three PEM blocks
 * parsed, a fresh X509_STORE with the root, one X509_verify_cert with the host name, the validation time
 * (2026-06-01T12:00:00Z) and the TLS-server purpose.
 *
 *   cc -O2 -o /tmp/peers/openssl-peer eng/peers/openssl/verify_chains.c -lcrypto
 *   /tmp/peers/openssl-peer /tmp/peers/chains.pem 5   # in-process: microseconds per chain, after one warm-up pass
 *   /tmp/peers/openssl-peer /tmp/peers/chains.pem 0   # whole process: one pass
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

static const char END[] = "-----END CERTIFICATE-----";

struct chain { const char *pem[3]; int len[3]; };

static X509 *parse(const char *pem, int len)
{
    BIO *b = BIO_new_mem_buf(pem, len);
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    return x;
}

static int verify(const struct chain *c, int index)
{
    X509 *leaf = parse(c->pem[0], c->len[0]), *inter = parse(c->pem[1], c->len[1]), *root = parse(c->pem[2], c->len[2]);
    X509_STORE *store = X509_STORE_new();
    X509_STORE_add_cert(store, root);
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    sk_X509_push(untrusted, inter);
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, store, leaf, untrusted);
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
    char host[64];
    snprintf(host, sizeof host, "host%d.peers.test", index);
    X509_VERIFY_PARAM_set1_host(param, host, 0);
    X509_VERIFY_PARAM_set_time(param, (time_t)1780315200); /* 2026-06-01T12:00:00Z */
    X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
    int ok = X509_verify_cert(ctx) == 1;
    X509_STORE_CTX_free(ctx);
    sk_X509_free(untrusted);
    X509_STORE_free(store);
    X509_free(leaf);
    X509_free(inter);
    X509_free(root);
    return ok;
}

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s chains.pem passes\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc(size + 1);
    if (fread(text, 1, size, f) != (size_t)size) {
        return 2;
    }
    text[size] = 0;
    fclose(f);
    int count = 0, cap = 64;
    struct chain *chains = malloc(cap * sizeof *chains);
    const char *p = text;
    for (;;) {
        struct chain c;
        int k;
        for (k = 0; k < 3; k++) {
            const char *end = strstr(p, END);
            if (!end) {
                break;
            }
            end += sizeof END - 1;
            c.pem[k] = p;
            c.len[k] = (int)(end - p);
            p = end;
        }
        if (k < 3) {
            break;
        }
        if (count == cap) {
            chains = realloc(chains, (cap *= 2) * sizeof *chains);
        }
        chains[count++] = c;
    }
    int passes = atoi(argv[2]), ok = 0;
    for (int i = 0; i < count; i++) {
        ok += verify(&chains[i], i);
    }
    if (passes == 0) {
        printf("openssl: %d of %d verified\n", ok, count);
        return 0;
    }
    if (ok != count) {
        fprintf(stderr, "openssl: only %d of %d verified\n", ok, count);
        return 1;
    }
    double *per = malloc(passes * sizeof *per);
    for (int r = 0; r < passes; r++) {
        double start = now_us();
        for (int i = 0; i < count; i++) {
            verify(&chains[i], i);
        }
        per[r] = (now_us() - start) / count;
    }
    qsort(per, passes, sizeof *per, cmp);
    printf("openssl %s: %d chains, cold, median of %d passes: %.1f us per chain (min %.1f, max %.1f)\n",
           OpenSSL_version(OPENSSL_VERSION), count, passes, per[passes / 2], per[0], per[passes - 1]);
    return 0;
}
