package tickets

// ADF is a node of the Atlassian Document Format, which Jira Cloud's REST
// API v3 takes for issue descriptions and comments.
type ADF struct {
	Type    string         `json:"type"`
	Version int            `json:"version,omitempty"`
	Attrs   map[string]any `json:"attrs,omitempty"`
	Content []ADF          `json:"content,omitempty"`
	Text    string         `json:"text,omitempty"`
	Marks   []ADFMark      `json:"marks,omitempty"`
}

// ADFMark is a text mark (code, strong, link).
type ADFMark struct {
	Type  string         `json:"type"`
	Attrs map[string]any `json:"attrs,omitempty"`
}

// ADF renders the Doc as an ADF document (version 1). Empty text is left
// out: ADF rejects empty text nodes.
func (d Doc) ADF() ADF {
	doc := ADF{Type: "doc", Version: 1, Content: []ADF{}}
	for _, b := range d {
		switch {
		case b.Heading != "":
			doc.Content = append(doc.Content, ADF{Type: "heading", Attrs: map[string]any{"level": 3}, Content: []ADF{{Type: "text", Text: b.Heading}}})
		case b.Code != "":
			doc.Content = append(doc.Content, ADF{Type: "codeBlock", Content: []ADF{{Type: "text", Text: b.Code}}})
		case b.List != nil:
			list := ADF{Type: "bulletList"}
			for _, it := range b.List {
				if p := adfPara(it); p != nil {
					list.Content = append(list.Content, ADF{Type: "listItem", Content: []ADF{*p}})
				}
			}
			if len(list.Content) > 0 {
				doc.Content = append(doc.Content, list)
			}
		default:
			if p := adfPara(b.Para); p != nil {
				doc.Content = append(doc.Content, *p)
			}
		}
	}
	return doc
}

func adfPara(spans []Span) *ADF {
	p := ADF{Type: "paragraph"}
	for _, s := range spans {
		if s.Text == "" {
			continue
		}
		n := ADF{Type: "text", Text: s.Text}
		switch {
		case s.Link != "":
			n.Marks = []ADFMark{{Type: "link", Attrs: map[string]any{"href": s.Link}}}
		case s.Code:
			n.Marks = []ADFMark{{Type: "code"}}
		case s.Strong:
			n.Marks = []ADFMark{{Type: "strong"}}
		}
		p.Content = append(p.Content, n)
	}
	if len(p.Content) == 0 {
		return nil
	}
	return &p
}
