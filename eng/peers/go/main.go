// Go crypto/x509 on the peer chains (eng/peers/make_chains.py): per chain, cold, as Certitude's cold mode is:
// the PEM of the leaf, the intermediate and the root parsed, a fresh root pool and intermediate pool, one Verify
// with the host name, the validation time and serverAuth. Standard library only.
//
//	go run . -suite /tmp/peers/chains.json -passes 5   # in-process: microseconds per chain, after one warm-up pass
//	go run . -suite /tmp/peers/chains.json -passes 0   # whole process: one pass, no warm-up (time it from outside)
package main

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"os"
	"sort"
	"time"
)

type testcase struct {
	ID               string   `json:"id"`
	Trusted          []string `json:"trusted_certs"`
	Intermediates    []string `json:"untrusted_intermediates"`
	Leaf             string   `json:"peer_certificate"`
	ValidationTime   string   `json:"validation_time"`
	ExpectedPeerName struct {
		Value string `json:"value"`
	} `json:"expected_peer_name"`
}

type chain struct {
	id, host            string
	leaf, inters, roots []byte
	at                  time.Time
}

func parsePEM(b []byte) *x509.Certificate {
	block, _ := pem.Decode(b)
	if block == nil {
		panic("no PEM block")
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		panic(err)
	}
	return c
}

func verify(c *chain) bool {
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(c.roots)
	inters := x509.NewCertPool()
	inters.AppendCertsFromPEM(c.inters)
	leaf := parsePEM(c.leaf)
	_, err := leaf.Verify(x509.VerifyOptions{DNSName: c.host, Roots: roots, Intermediates: inters, CurrentTime: c.at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	return err == nil
}

func main() {
	suite := flag.String("suite", "", "limbo-format suite")
	passes := flag.Int("passes", 5, "timed passes over every chain after one warm-up pass; 0: one untimed pass (whole-process runs)")
	flag.Parse()
	raw, err := os.ReadFile(*suite)
	if err != nil {
		panic(err)
	}
	var doc struct {
		Testcases []testcase `json:"testcases"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		panic(err)
	}
	chains := make([]chain, 0, len(doc.Testcases))
	for _, t := range doc.Testcases {
		at, err := time.Parse(time.RFC3339, t.ValidationTime)
		if err != nil {
			panic(err)
		}
		c := chain{id: t.ID, host: t.ExpectedPeerName.Value, leaf: []byte(t.Leaf), at: at}
		for _, p := range t.Intermediates {
			c.inters = append(c.inters, p...)
		}
		for _, p := range t.Trusted {
			c.roots = append(c.roots, p...)
		}
		chains = append(chains, c)
	}
	pass := func() int {
		ok := 0
		for i := range chains {
			if verify(&chains[i]) {
				ok++
			}
		}
		return ok
	}
	if *passes == 0 {
		ok := pass()
		fmt.Printf("go: %d of %d verified\n", ok, len(chains))
		return
	}
	if ok := pass(); ok != len(chains) {
		fmt.Fprintf(os.Stderr, "go: only %d of %d verified\n", ok, len(chains))
		os.Exit(1)
	}
	per := make([]float64, 0, *passes)
	for p := 0; p < *passes; p++ {
		start := time.Now()
		pass()
		per = append(per, float64(time.Since(start).Nanoseconds())/1000/float64(len(chains)))
	}
	sort.Float64s(per)
	fmt.Printf("go %s: %d chains, cold, median of %d passes: %.1f us per chain (min %.1f, max %.1f)\n",
		"crypto/x509", len(chains), *passes, per[len(per)/2], per[0], per[len(per)-1])
}
