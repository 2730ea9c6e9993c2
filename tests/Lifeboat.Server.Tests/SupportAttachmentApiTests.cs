using System.Net;
using System.Net.Http.Json;
using Lifeboat.Platform.Access;
using Npgsql;

namespace Lifeboat.Server.Tests;

/// <summary>
/// The intake's files and size limits over the API, on a server of its own (its own rate-limit windows): both sides of each limit,
/// and the largest valid request, which must get through the body limit so that only a field's own message ever refuses it.
/// </summary>
public sealed class SupportAttachmentApiTests(SupportServerFixture fixture) : IClassFixture<SupportServerFixture>
{
    private static readonly byte[] PngHeader = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>10,000 characters of Japanese: 30,000 bytes of UTF-8, 60,000 as JSON escapes.</summary>
    private static string Japanese(int length) => string.Concat(Enumerable.Repeat("サイトが消えました。", (length / 10) + 1))[..length];

    private static byte[] Png(int size)
    {
        var bytes = new byte[size];
        PngHeader.CopyTo(bytes, 0);
        Random.Shared.NextBytes(bytes.AsSpan(PngHeader.Length));
        return bytes;
    }

    private static object File(string name, byte[] content) => new { name, content = Convert.ToBase64String(content) };

    [Fact]
    public async Task TheLargestValidRequest_TenThousandJapaneseCharactersAndThreeFilesOf5MB_IsAccepted_AndStaffDownloadThem()
    {
        using var anonymous = fixture.AnonymousClient();
        var files = new[] { Png(5 * 1024 * 1024), Png(5 * 1024 * 1024), Png(5 * 1024 * 1024) };

        var accepted = await (await anonymous.PostAsJsonAsync("/api/support/requests", new
        {
            email = SupportMail.Address("largest"),
            company = Japanese(200),
            site = Japanese(500),
            description = Japanese(10_000),
            attachments = files.Select((f, i) => File($"screen-{i}.png", f)),
        }, TestContext.Current.CancellationToken)).ShouldBeJsonAsync(HttpStatusCode.Accepted);

        var request = accepted.Str("request");
        using var support = await fixture.ClientForAsync(Roles.Support);
        var attachments = await support.GetJsonAsync($"/api/support/tickets/{request}");
        attachments["ticket"].Str("description").Length.ShouldBe(10_000);
        attachments["attachments"]!.AsArray().Select(a => a.Str("contentType")).ShouldBe(["image/png", "image/png", "image/png"]);
        var download = await support.GetAsync($"/api/support/tickets/{request}/attachments/2", TestContext.Current.CancellationToken);
        download.StatusCode.ShouldBe(HttpStatusCode.OK);
        download.Content.Headers.ContentType!.MediaType.ShouldBe("image/png");
        download.Content.Headers.ContentDisposition!.DispositionType.ShouldBe("attachment");
        download.Content.Headers.ContentDisposition.FileNameStar.ShouldBe("screen-1.png");
        download.Headers.GetValues("X-Content-Type-Options").ShouldBe(["nosniff"]);
        (await download.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)).ShouldBe(files[1]);
        using var outsider = await fixture.ClientForAsync(Roles.Viewer);
        (await outsider.GetAsync($"/api/support/tickets/{request}/attachments/2", TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task ADescriptionOneCharacterTooLong_GetsTheFieldsOwnMessage_NotA413()
    {
        using var anonymous = fixture.AnonymousClient();

        var problem = await (await anonymous.PostAsJsonAsync("/api/support/requests",
                new { email = SupportMail.Address("long"), description = Japanese(10_001), attachments = new[] { File("a.png", Png(1024 * 1024)) } },
                TestContext.Current.CancellationToken))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest);

        problem.Detail.ShouldContain("what is wrong is 10001 characters long; the limit is 10000");
    }

    [Theory]
    [InlineData("photo.png", "exe", "the file 'photo.png' is not one of the types taken: PNG, JPEG and PDF files, and plain text in UTF-8")]
    [InlineData("notes.txt", "nul", "the file 'notes.txt' is not one of the types taken")]
    [InlineData("big.png", "big", "the file 'big.png' is 5.0 MB (5,242,881 bytes); a file may be at most 5 MB")]
    [InlineData("four", "four", "4 files were attached; a request takes at most 3")]
    public async Task AWrongFile_IsA400NamingIt_AndNothingIsStored(string name, string kind, string message)
    {
        using var anonymous = fixture.AnonymousClient();
        var address = SupportMail.Address("wrong-file");
        object[] files = kind switch
        {
            "exe" => [File(name, [0x4D, 0x5A, 0x90, 0x00, 0x03, 0x00])],
            "nul" => [File(name, "hello\0world"u8.ToArray())],
            "big" => [File(name, Png((5 * 1024 * 1024) + 1))],
            _ => [.. Enumerable.Range(0, 4).Select(i => File($"{i}.png", Png(100)))],
        };

        var problem = await (await anonymous.PostAsJsonAsync("/api/support/requests", new { email = address, description = "see the files", attachments = files },
            TestContext.Current.CancellationToken)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);

        problem.Detail.ShouldContain(message);
        problem.Detail.ShouldContain("Nothing was stored");
        await using var connection = new NpgsqlConnection(fixture.Database.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM support.tickets WHERE requester = $1", connection);
        cmd.Parameters.Add(new() { Value = address });
        ((long)(await cmd.ExecuteScalarAsync(TestContext.Current.CancellationToken))!).ShouldBe(0);
    }

    [Fact]
    public async Task PlainTextAndPdf_AreTakenByTheirContent()
    {
        using var anonymous = fixture.AnonymousClient();

        var accepted = await (await anonymous.PostAsJsonAsync("/api/support/requests", new
        {
            email = SupportMail.Address("types"),
            description = "logs attached",
            attachments = new[] { File("log", "エラー: site not found\n"u8.ToArray()), File("report.bin", "%PDF-1.7\n%\u00e2\u00e3"u8.ToArray()) },
        }, TestContext.Current.CancellationToken)).ShouldBeJsonAsync(HttpStatusCode.Accepted);

        using var support = await fixture.ClientForAsync(Roles.Support);
        var files = (await support.GetJsonAsync($"/api/support/tickets/{accepted.Str("request")}"))["attachments"]!.AsArray();
        files.Select(f => f.Str("contentType")).ShouldBe(["text/plain", "application/pdf"]);
    }
}
