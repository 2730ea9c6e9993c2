using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Lifeboat.Platform.Backups;
using Lifeboat.Platform.Backups.Sealing;
using Lifeboat.Storage;

namespace Lifeboat.Platform.Tests;

/// <summary>
/// Backups at rest: every file encrypted with AES-GCM in 64 KiB chunks that cannot be moved, dropped or
/// cut off; every manifest signed with the backup key; a wrong key, a tampered file or a manifest
/// re-sealed without the key refused with a message that says which; keys rotated without losing old backups.
/// </summary>
public sealed class BackupSealingTests
{
    private const int Chunk = SealedFormat.SealedChunkSize;
    private static readonly CollectionDefinition Issues = new("tracker.issues", "status");

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(64 * 1024)]
    [InlineData(64 * 1024 + 1)]
    [InlineData(200_000)]
    public async Task ASealedFile_OpensToTheSameBytes_AndHidesThem(int size)
    {
        var keys = BackupKeyring.Generate();
        var plain = RandomNumberGenerator.GetBytes(size);

        var sealedBytes = await SealAsync(keys, plain);

        (await OpenAsync(keys, sealedBytes)).ShouldBe(plain);
        sealedBytes.AsSpan(0, 8).ToArray().ShouldBe("LBSEAL01"u8.ToArray());
        sealedBytes.Length.ShouldBe(32 + size + 16 * Math.Max(1, (size + 64 * 1024 - 1) / (64 * 1024)), "a header, and a tag per chunk");
        if (size >= 64)
        {
            sealedBytes.AsSpan().IndexOf(plain.AsSpan(0, 64)).ShouldBe(-1, "the plaintext does not appear in the file");
        }
    }

    public static TheoryData<string> Damages => ["flip a byte of chunk 1", "drop chunk 1", "swap chunks 0 and 1", "cut after chunk 1", "cut inside chunk 2", "append a byte", "cut the header"];

    [Theory]
    [MemberData(nameof(Damages))]
    public async Task ASealedFileDamagedAnyWay_IsRefusedWithAClearMessage(string damage)
    {
        var keys = BackupKeyring.Generate();
        var sealedBytes = await SealAsync(keys, RandomNumberGenerator.GetBytes(3 * 64 * 1024 + 100));
        var body = sealedBytes.AsSpan(32).ToArray();
        byte[] Chunks(params int[] order) => [.. sealedBytes[..32], .. order.SelectMany(i => body.Skip(i * Chunk).Take(Chunk))];
        var damaged = damage switch
        {
            "flip a byte of chunk 1" => Flip(sealedBytes, 32 + Chunk + 10),
            "drop chunk 1" => Chunks(0, 2, 3),
            "swap chunks 0 and 1" => Chunks(1, 0, 2, 3),
            "cut after chunk 1" => sealedBytes[..(32 + 2 * Chunk)],
            "cut inside chunk 2" => sealedBytes[..(32 + 2 * Chunk + 500)],
            "append a byte" => [.. sealedBytes, 0],
            _ => sealedBytes[..20],
        };

        var e = await Should.ThrowAsync<BackupSealException>(() => OpenAsync(keys, damaged));

        e.Message.ShouldStartWith("bak_test/file cannot be opened: ");
        e.Message.ShouldEndWith("It is not what Lifeboat sealed; restore from another backup chain (lifeboat backup list).");
    }

    [Fact]
    public async Task ASealedFile_OpenedWithAnotherKey_IsRefusedNamingTheKeyItNeeds()
    {
        var keys = BackupKeyring.Generate();
        var other = BackupKeyring.Generate();
        var sealedBytes = await SealAsync(keys, Encoding.UTF8.GetBytes("customer data"));

        var e = await Should.ThrowAsync<BackupSealException>(() => OpenAsync(other, sealedBytes));

        e.Message.ShouldStartWith($"bak_test/file is sealed with backup key {keys.Current.Id}, which is not among the keys of a generated key ({other.Current.Id}): give the key file that holds it");
    }

    [Fact]
    public async Task BackupFiles_AreEncrypted_AndTheManifestNamesTheKeyAndIsSigned()
    {
        await using var env = await BackupEnvironment.CreateAsync();
        var site = await env.Platform.Sites.CreateAsync("Acme Secret Widgets", "eu-west");
        await env.Store.Blobs.PutAsync(site.Id.Tenant, new CollectionDefinition("tracker.attachments"), "logo", new MemoryStream(Encoding.UTF8.GetBytes("the logo bytes")));

        var full = await env.Backups.FullAsync();

        full.KeyId.ShouldBe(env.Keys.Current.Id);
        full.Signature.ShouldNotBeNull().Length.ShouldBe(64);
        foreach (var file in full.Files)
        {
            var bytes = await File.ReadAllBytesAsync(env.PathOf(full, file.Name));
            bytes.AsSpan(0, 8).ToArray().ShouldBe("LBSEAL01"u8.ToArray(), file.Name);
            Should.Throw<InvalidDataException>(() => new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress).CopyTo(Stream.Null), file.Name + " is not a plain gzip file");
        }

        (await env.Backups.VerifyAsync()).Intact.ShouldBeTrue();
    }

    [Fact]
    public async Task BackupsVerifiedOrRestoredWithAnotherKey_AreRefusedNamingTheKey_AndNothingIsRestored()
    {
        await using var env = await BackupEnvironment.CreateAsync();
        var site = await env.Platform.Sites.CreateAsync("Acme", "eu-west");
        await WriteAsync(env, site.Id, "before");
        var full = await env.Backups.FullAsync();
        var wrong = BackupKeyring.Generate();

        var verified = await new BackupDirectory(env.BackupFolder, wrong, env.Clock).VerifyAsync();

        verified.Intact.ShouldBeFalse();
        verified.Problems.Single().Problem.ShouldBe(
            $"altered: manifest of {full.Id} is signed with backup key {env.Keys.Current.Id}, which is not among the keys of a generated key ({wrong.Current.Id}); " +
            "give the key file that holds it (--key-file or LIFEBOAT_BACKUP_KEY_FILE; after a rotation keep the old keys below the new one)");
        var target = await env.EmptyDatabaseAsync();
        var e = await Should.ThrowAsync<PlatformException>(() =>
            new BackupDirectory(env.BackupFolder, wrong, env.Clock).RestoreEnvironmentAsync(env.Options(target, "restored-blobs")));
        e.Message.ShouldContain(env.Keys.Current.Id);
        (await TablesAsync(target)).ShouldBe(0, "nothing was created in the target");
    }

    [Fact]
    public async Task AFileAlteredAndItsManifestReHashedWithoutTheKey_IsRefusedAsReSealed()
    {
        await using var env = await BackupEnvironment.CreateAsync();
        var site = await env.Platform.Sites.CreateAsync("Acme", "eu-west");
        await WriteAsync(env, site.Id, "before");
        var full = await env.Backups.FullAsync();

        // Someone with write access but not the key swaps in their own (validly sealed, with their key) file,
        // then fixes up every hash an unkeyed checker would look at: the file's, and the manifest's own.
        var attacker = BackupKeyring.Generate();
        var path = env.PathOf(full, "versions.ndjson.gz");
        var forgedFile = await SealAsync(attacker, await GzipAsync("{\"forged\": true}\n"));
        Writable(path);
        await File.WriteAllBytesAsync(path, forgedFile);
        var files = full.Files.Select(f => f.Name == "versions.ndjson.gz" ? f with { Sha256 = Convert.ToHexStringLower(SHA256.HashData(forgedFile)), Bytes = forgedFile.Length } : f).ToList();
        var forged = full with { Files = files, Sha256 = null };
        forged = forged with { Sha256 = forged.ContentHash() };
        var manifest = env.PathOf(full, BackupManifest.FileName);
        Writable(manifest);
        await File.WriteAllBytesAsync(manifest, forged.ToBytes());

        var verified = await env.Backups.VerifyAsync();

        verified.Problems.Single().Problem.ShouldBe(
            $"altered: manifest of {full.Id} was re-sealed without backup key {env.Keys.Current.Id}: its signature does not match, so its hashes cannot be trusted");
        var e = await Should.ThrowAsync<PlatformException>(() => env.Backups.RestoreSiteAsync(site.Id, RecoveryPoint.AtPosition(full.UpToPosition)));
        e.Message.ShouldContain("re-sealed without backup key");
    }

    [Fact]
    public async Task AfterARotation_NewBackupsUseTheNewKey_OldOnesStillRestore_AndDroppingTheOldKeyNamesIt()
    {
        var keyFile = Path.Combine(Path.GetTempPath(), $"lifeboat-key-{Guid.NewGuid():n}", "backup.key");
        var first = BackupKeyring.ReadOrCreateFile(keyFile);
        File.GetUnixFileMode(keyFile).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite, "the key file is the owner's alone");
        (File.GetUnixFileMode(Path.GetDirectoryName(keyFile)!) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)).ShouldBe((UnixFileMode)0);
        BackupKeyring.ReadOrCreateFile(keyFile).Current.Id.ShouldBe(first.Current.Id, "an existing key file is read, never replaced");

        await using var env = await BackupEnvironment.CreateAsync();
        var site = await env.Platform.Sites.CreateAsync("Acme", "eu-west");
        await WriteAsync(env, site.Id, "one");
        await using var before = await env.OpenAsync(new PlatformOptions { Store = env.Options(env.Database, "blobs").Store, Backups = new BackupOptions { Directory = env.BackupFolder, Keys = first } });
        var full = await before.Backups.FullAsync();

        var rotated = BackupKeyring.Rotate(keyFile);
        rotated.Keys.Select(k => k.Id).ShouldBe([rotated.Current.Id, first.Current.Id]);
        File.GetUnixFileMode(keyFile).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await WriteAsync(env, site.Id, "two");
        await using var after = await env.OpenAsync(new PlatformOptions { Store = env.Options(env.Database, "blobs").Store, Backups = new BackupOptions { Directory = env.BackupFolder, Keys = rotated } });
        var incremental = await after.Backups.IncrementalAsync();

        (full.KeyId, incremental.KeyId).ShouldBe((first.Current.Id, rotated.Current.Id));
        (await after.Backups.VerifyAsync()).Intact.ShouldBeTrue("the chain spans both keys, and the ring holds both");
        var target = await env.EmptyDatabaseAsync();
        var report = await new BackupDirectory(env.BackupFolder, rotated, env.Clock).RestoreEnvironmentAsync(env.Options(target, "restored-blobs"));
        report.BackupsUsed.ShouldBe([full.Id, incremental.Id]);

        var newOnly = BackupKeyring.Parse(File.ReadAllLines(keyFile).First(l => !l.StartsWith('#')), "the new key alone");
        var problems = (await new BackupDirectory(env.BackupFolder, newOnly, env.Clock).VerifyAsync()).Problems;
        problems.ShouldContain(p => p.Problem.Contains($"is signed with backup key {first.Current.Id}, which is not among the keys of the new key alone", StringComparison.Ordinal));
    }

    [Fact]
    public void ABadKeyFile_IsRefusedSayingWhatAKeyIs()
    {
        Should.Throw<PlatformException>(() => BackupKeyring.Parse("# keys\nnot-a-key\n", "key file k")).Message
            .ShouldBe("key file k, line 2: a backup key is the base64 of exactly 32 random bytes (e.g. `openssl rand -base64 32`); this one is not. Nothing was read or written.");
        Should.Throw<PlatformException>(() => BackupKeyring.Parse("# nothing\n", "key file k")).Message.ShouldContain("holds no backup key");
        var open = Path.Combine(Path.GetTempPath(), $"lifeboat-key-{Guid.NewGuid():n}");
        File.WriteAllText(open, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        File.SetUnixFileMode(open, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        Should.Throw<PlatformException>(() => BackupKeyring.ReadFile(open)).Message.ShouldContain("can be read or written by others than its owner");
        File.Delete(open);
    }

    private static async Task<byte[]> SealAsync(BackupKeyring keys, byte[] plain)
    {
        using var output = new MemoryStream();
        await using (var sealing = BackupSealing.Seal(output, keys, leaveOpen: true))
        {
            // Odd-sized writes, so chunk boundaries fall inside writes.
            for (var i = 0; i < plain.Length; i += 7777)
            {
                await sealing.WriteAsync(plain.AsMemory(i, Math.Min(7777, plain.Length - i)));
            }
        }

        return output.ToArray();
    }

    private static async Task<byte[]> OpenAsync(BackupKeyring keys, byte[] sealedBytes)
    {
        await using var opened = BackupSealing.Open(new MemoryStream(sealedBytes), keys, "bak_test/file");
        using var plain = new MemoryStream();
        await opened.CopyToAsync(plain);
        return plain.ToArray();
    }

    private static async Task<byte[]> GzipAsync(string text)
    {
        using var output = new MemoryStream();
        await using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(Encoding.UTF8.GetBytes(text));
        }

        return output.ToArray();
    }

    private static byte[] Flip(byte[] bytes, int at)
    {
        var copy = bytes.ToArray();
        copy[at] ^= 0x01;
        return copy;
    }

    private static void Writable(string path)
    {
        File.SetUnixFileMode(Path.GetDirectoryName(path)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private static async Task WriteAsync(BackupEnvironment env, SiteId site, string status)
    {
        var batch = env.Store.Records.Batch(site.Tenant);
        batch.Put(Issues, $"iss-{status}", new { title = status, status });
        await env.Store.Records.WriteAsync(batch);
    }

    private static async Task<long> TablesAsync(TestDatabase database)
    {
        await using var connection = new Npgsql.NpgsqlConnection(database.OwnerConnectionString);
        await connection.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand("SELECT count(*) FROM information_schema.tables WHERE table_schema IN ('lifeboat', 'platform')", connection);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
