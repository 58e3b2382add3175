// Saves a file the panel fetched with the person's token (a plain link cannot carry it).
export async function save(fileName, contentType, stream) {
    const bytes = await stream.arrayBuffer();
    const url = URL.createObjectURL(new Blob([bytes], { type: contentType }));
    const link = document.createElement("a");
    link.href = url;
    link.download = fileName;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
}
