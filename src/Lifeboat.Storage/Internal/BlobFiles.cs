namespace Lifeboat.Storage.Internal;

/// <summary>Where the bytes of a SHA-256 live under the blob directory: sha256/ab/cd/abcd….</summary>
internal sealed class BlobFiles(string root)
{
    public string Root { get; } = root;

    public string PathOf(string sha256) => Path.Combine(Root, "sha256", sha256[..2], sha256[2..4], sha256);

    public bool Exists(string sha256) => File.Exists(PathOf(sha256));
}
