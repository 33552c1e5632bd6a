#include "t.h"

#include <sodium.h>

#include "store/trees.h"

TEST(trees_key_create_unlock_relock)
{
	struct trees_key k, k2;
	unsigned char sk[TREES_SK_LEN], sk2[TREES_SK_LEN], pk[TREES_PK_LEN];
	CHECK(trees_key_create("pw1", 3, &k));
	CHECK(trees_key_unlock(&k, "pw1", 3, sk));
	crypto_scalarmult_base(pk, sk);
	CHECK_MEM(pk, sizeof pk, k.pk, sizeof k.pk);
	CHECK(!trees_key_unlock(&k, "pw2", 3, sk2));
	CHECK(trees_key_relock(&k, "pw1", 3, "new secret", 10, &k2));
	CHECK_MEM(k2.pk, sizeof k2.pk, k.pk, sizeof k.pk);
	CHECK(sodium_memcmp(k2.salt, k.salt, sizeof k.salt) != 0);
	CHECK(!trees_key_unlock(&k2, "pw1", 3, sk2));
	CHECK(trees_key_unlock(&k2, "new secret", 10, sk2));
	CHECK_MEM(sk2, sizeof sk2, sk, sizeof sk);
	CHECK(!trees_key_relock(&k, "wrong", 5, "x", 1, &k2));
}

TEST(trees_key_hex_roundtrip_and_hostile)
{
	struct trees_key k, k2;
	char pk[65], salt[33], nonce[49], box[97];
	CHECK(trees_key_create("pw", 2, &k));
	trees_key_to_hex(&k, pk, salt, nonce, box);
	CHECK(trees_key_from_hex(pk, salt, nonce, box, &k2));
	CHECK_MEM(&k2, sizeof k2, &k, sizeof k);
	CHECK(!trees_key_from_hex(pk, salt, nonce, "00", &k2));
	box[5] = 'g';
	CHECK(!trees_key_from_hex(pk, salt, nonce, box, &k2));
	box[5] = '0';
	pk[64 - 1] = '\0';
	CHECK(!trees_key_from_hex(pk, salt, nonce, box, &k2));
}

TEST(trees_key_tampered_box_refused)
{
	struct trees_key k;
	unsigned char sk[TREES_SK_LEN];
	CHECK(trees_key_create("pw", 2, &k));
	k.box[10] ^= 1;
	CHECK(!trees_key_unlock(&k, "pw", 2, sk));
	k.box[10] ^= 1;
	k.pk[0] ^= 1;    /* box opens but does not match the public key */
	CHECK(!trees_key_unlock(&k, "pw", 2, sk));
	k.pk[0] ^= 1;
	k.algo = 7;
	CHECK(!trees_key_unlock(&k, "pw", 2, sk));
}
