using System.Security.Cryptography;

namespace Lifeboat.Platform.Backups;

/// <summary>What verifying backups found: every file re-hashed, every link checked.</summary>
public sealed record BackupVerification(IReadOnlyList<BackupId> Backups, int Files, long Bytes, IReadOnlyList<BackupFileProblem> Problems)
{
    public bool Intact => Problems.Count == 0;
}

/// <summary>Re-hashes the files of backups against their manifests. Reads only; changes nothing.</summary>
internal static class BackupVerifier
{
    /// <summary>Verifies a chain through one of its members: everything a restore from that member reads.</summary>
    public static async Task<BackupVerification> VerifyAsync(BackupCatalog catalog, BackupChain chain, BackupId through, IProgress<(int Done, int Total)>? progress,
        CancellationToken ct)
    {
        var members = chain.Through(through);
        var problems = chain.ProblemsThrough(through).ToList();
        var total = members.Sum(m => m.Files.Count);
        var done = 0;
        long bytes = 0;
        foreach (var member in members)
        {
            foreach (var file in member.Files)
            {
                var path = catalog.PathOf(member.Id, file.Name);
                if (await CheckAsync(path, file, ct) is { } problem)
                {
                    problems.Add(new BackupFileProblem(member.Id, path, problem));
                }
                else
                {
                    bytes += file.Bytes;
                }

                progress?.Report((++done, total));
            }
        }

        return new BackupVerification([.. members.Select(m => m.Id)], done, bytes, problems);
    }

    /// <summary>Null when the file is there with the bytes the manifest pinned; otherwise what is wrong.</summary>
    public static async Task<string?> CheckAsync(string path, BackupFileEntry file, CancellationToken ct)
    {
        if (!File.Exists(path))
        {
            return "missing";
        }

        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        var actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
        return actual == file.Sha256 && stream.Length == file.Bytes
            ? null
            : $"altered: its {stream.Length} bytes hash to {actual}; the manifest pinned {file.Bytes} bytes hashing to {file.Sha256}";
    }
}
