package drive

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"testing"
)

// TestImageSize: the pixel dimensions from the headers of the three
// formats Chrome writes; an image of another format is refused.
func TestImageSize(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 37, 21))
	var p, j bytes.Buffer
	if err := png.Encode(&p, img); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&j, img, nil); err != nil {
		t.Fatal(err)
	}
	// WebP headers as Chrome writes them: lossy (VP8), lossless (VP8L),
	// extended (VP8X), 37x21 each.
	vp8 := append([]byte("RIFF\x00\x00\x00\x00WEBPVP8 \x00\x00\x00\x00\x9d\x01\x2a\x00\x00\x00\x00\x00\x00"), 0, 0, 0, 0)
	copy(vp8[26:], []byte{37, 0, 21, 0})
	vp8l := []byte("RIFF\x00\x00\x00\x00WEBPVP8L\x00\x00\x00\x00\x2f\x00\x00\x00\x00\x00\x00\x00\x00\x00")
	bits := uint32(36) | uint32(20)<<14
	vp8l[21], vp8l[22], vp8l[23], vp8l[24] = byte(bits), byte(bits>>8), byte(bits>>16), byte(bits>>24)
	vp8x := []byte("RIFF\x00\x00\x00\x00WEBPVP8X\x00\x00\x00\x00\x00\x00\x00\x00\x24\x00\x00\x14\x00\x00")
	for _, c := range []struct {
		format string
		b      []byte
	}{{"png", p.Bytes()}, {"jpeg", j.Bytes()}, {"webp", vp8}, {"webp", vp8l}, {"webp", vp8x}} {
		w, h, err := imageSize(c.format, c.b)
		if err != nil || w != 37 || h != 21 {
			t.Errorf("%s %q...: %dx%d, %v; want 37x21", c.format, c.b[:16], w, h, err)
		}
	}
	if _, _, err := imageSize("png", j.Bytes()); err == nil {
		t.Error("a JPEG read as a PNG: no error")
	}
}
