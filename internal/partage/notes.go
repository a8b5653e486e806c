package partage

import "github.com/partifact/mockserver/internal/store"

// MaxNotes bounds the notes of one load [D].
const MaxNotes = 100

// NoteRequest is the body of POST /api/quotes/:id/notes.
type NoteRequest struct {
	Content string
}

// DecodeNoteRequest checks a note body: {"note":{"content":"…"}}.
func DecodeNoteRequest(raw []byte) (NoteRequest, error) {
	b, err := parseBody(raw)
	if err != nil {
		return NoteRequest{}, err
	}
	return decodeNote(b)
}

func decodeNote(b body) (NoteRequest, error) {
	var p problems
	top := object{m: b, p: &p}
	n, ok := top.obj("note")
	if !ok && !top.has("note") {
		p.add("note", "can't be blank")
	}
	var r NoteRequest
	if s := n.text("content", true, MaxNoteLength); s != nil {
		r.Content = *s
	}
	return r, p.err()
}

// NoteAdded answers a note [D]: the note as the load now shows it.
type NoteAdded struct {
	Note NoteView `json:"note"`
}

// AddNote adds a note to a load of the caller's family. Notes are the
// load's: they show on its shipment (shipments[0].notes) [D], written by the
// token's API user.
func AddNote(c *Call, id string, r NoteRequest) (NoteAdded, error) {
	q, err := findQuote(c.Tx, familyOf(c.Caller), id)
	if err != nil {
		return NoteAdded{}, err
	}
	if len(q.Notes) >= MaxNotes {
		return NoteAdded{}, invalidQuote("Quote %s has %d notes, the most a load keeps.", q.Number, MaxNotes)
	}
	n := store.PartageNote{Content: r.Content, UserName: c.Caller.APIUser.Name, UserCompany: c.Caller.Name,
		CreatedAt: c.Tx.Now()}
	q.Notes = append(q.Notes, n)
	if err := c.Tx.UpdatePartageQuote(q); err != nil {
		return NoteAdded{}, err
	}
	return NoteAdded{Note: noteView(n)}, nil
}
