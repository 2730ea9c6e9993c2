using Lifeboat.Server.Support;
using Lifeboat.Platform;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Lifeboat.Console.Tests;

/// <summary>
/// The public form at its limits, through a real Kestrel and Chromium: the longest description in Japanese (three bytes a
/// character, nine URL-encoded) with a file is taken; one character more, or a file of a type not taken, is refused by the
/// field's own message on the form, not by a bare 413.
/// </summary>
public sealed class SupportFormLimitsTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    private static string Japanese(int length) => string.Concat(Enumerable.Repeat("サイトが消えました。", (length / 10) + 1))[..length];

    private async Task<IPage> FormAsync(bool script)
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.BaseAddress.ToString(), JavaScriptEnabled = script });
        var page = await context.NewPageAsync();
        (await page.GotoAsync("/support"))!.Status.ShouldBe(200);
        return page;
    }

    [Fact]
    public async Task TenThousandJapaneseCharacters_AndAScreenshot_AreTakenWithoutScript()
    {
        var page = await FormAsync(script: false);
        var address = SupportMail.Address("form-longest");
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 7, 7, 7];

        await page.GetByLabel("Your e-mail address").FillAsync(address);
        await page.GetByLabel("What is wrong").FillAsync(Japanese(10_000));
        await page.GetByLabel("Files").SetInputFilesAsync(new FilePayload { Name = "screen.png", MimeType = "image/png", Buffer = png });
        var response = await page.RunAndWaitForResponseAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Send to support" }).ClickAsync(),
            r => r.Request.Method == "POST");

        response.Status.ShouldBe(200);
        (await page.Locator("h1").InnerTextAsync()).ShouldBe("Check your mail");
        var request = TicketId.Parse((await page.Locator("main code").InnerTextAsync()).Trim());
        var view = await fixture.Services.GetRequiredService<SupportDeskLifetime>().Desk.GetTicketAsync(request, TestContext.Current.CancellationToken);
        view.Ticket.Description.ShouldBe(Japanese(10_000));
        view.Attachments.ShouldHaveSingleItem().ShouldSatisfyAllConditions(a => a.FileName.ShouldBe("screen.png"), a => a.ContentType.ShouldBe("image/png"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task OneCharacterTooMany_GetsTheFieldsMessageOnTheForm()
    {
        var page = await FormAsync(script: true);
        // A client that does not hold to the textarea's maxlength, as a script or an old browser would not.
        await page.EvaluateAsync("document.getElementById('support-description').removeAttribute('maxlength')");

        await page.GetByLabel("Your e-mail address").FillAsync(SupportMail.Address("form-too-long"));
        await page.GetByLabel("What is wrong").FillAsync(Japanese(10_001));
        await page.GetByRole(AriaRole.Button, new() { Name = "Send to support" }).ClickAsync();

        (await page.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldContain("what is wrong is 10001 characters long; the limit is 10000");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AFileOfAnotherType_IsRefusedNamingIt_AndTheTypesTaken()
    {
        var page = await FormAsync(script: false);

        await page.GetByLabel("Your e-mail address").FillAsync(SupportMail.Address("form-exe"));
        await page.GetByLabel("What is wrong").FillAsync("see the file");
        await page.GetByLabel("Files").SetInputFilesAsync(new FilePayload { Name = "photo.png", MimeType = "image/png", Buffer = [0x4D, 0x5A, 0x90, 0x00] });
        await page.GetByRole(AriaRole.Button, new() { Name = "Send to support" }).ClickAsync();

        (await page.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldContain(
            "the file 'photo.png' is not one of the types taken: PNG, JPEG and PDF files, and plain text in UTF-8");
        await page.Context.CloseAsync();
    }
}
