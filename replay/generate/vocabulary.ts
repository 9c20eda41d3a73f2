/** The catalog the generator draws from: categories with their subcategories, brands, nouns and price levels. */
export interface CategorySpec {
  name: string;
  subcategories: readonly string[];
  brands: readonly string[];
  nouns: readonly string[];
  /** Median price; prices are log-normal around it. */
  medianPrice: number;
  /** Share of the catalog. */
  weight: number;
}

export const CATEGORIES: readonly CategorySpec[] = [
  {
    name: 'Electronics',
    subcategories: ['Audio', 'Phones', 'Cameras', 'Accessories'],
    brands: ['TechBrand', 'Sonix', 'Voltra', 'Nimbus'],
    nouns: ['Headphones', 'Speaker', 'Charger', 'Camera', 'Earbuds', 'Phone Case'],
    medianPrice: 79,
    weight: 14,
  },
  {
    name: 'Computers',
    subcategories: ['Laptops', 'Monitors', 'Storage', 'Peripherals'],
    brands: ['Dellton', 'Lenova', 'Acera', 'Keyfast'],
    nouns: ['Laptop', 'Monitor', 'SSD', 'Keyboard', 'Mouse', 'Dock'],
    medianPrice: 220,
    weight: 8,
  },
  {
    name: 'Home',
    subcategories: ['Kitchen', 'Decor', 'Bedding', 'Storage'],
    brands: ['Homely', 'Nordhaus', 'Casa Viva', 'Tidy'],
    nouns: ['Pan', 'Lamp', 'Pillow', 'Blanket', 'Shelf', 'Kettle'],
    medianPrice: 35,
    weight: 12,
  },
  {
    name: 'Fashion',
    subcategories: ['Men', 'Women', 'Shoes', 'Bags'],
    brands: ['Urbanwear', 'Linea', 'Stride', 'Maison Roux'],
    nouns: ['Jacket', 'Sneakers', 'Backpack', 'Shirt', 'Dress', 'Scarf'],
    medianPrice: 45,
    weight: 14,
  },
  {
    name: 'Beauty',
    subcategories: ['Skincare', 'Makeup', 'Fragrance', 'Hair'],
    brands: ['Glowe', 'Puralis', 'Velvet', 'Aromia'],
    nouns: ['Serum', 'Lipstick', 'Perfume', 'Shampoo', 'Cream', 'Palette'],
    medianPrice: 22,
    weight: 8,
  },
  {
    name: 'Sports',
    subcategories: ['Fitness', 'Outdoor', 'Cycling', 'Team Sports'],
    brands: ['Peakline', 'Motiv', 'Trailhead', 'Apex'],
    nouns: ['Yoga Mat', 'Dumbbells', 'Tent', 'Helmet', 'Ball', 'Water Bottle'],
    medianPrice: 40,
    weight: 8,
  },
  {
    name: 'Books',
    subcategories: ['Fiction', 'Non-fiction', 'Children', 'Comics'],
    brands: ['Penhouse', 'Lark Press', 'Quill', 'Northstar'],
    nouns: ['Novel', 'Guide', 'Picture Book', 'Anthology', 'Cookbook', 'Graphic Novel'],
    medianPrice: 14,
    weight: 10,
  },
  {
    name: 'Toys',
    subcategories: ['Building', 'Dolls', 'Games', 'Outdoor Play'],
    brands: ['Playbrix', 'Funfolk', 'Tinker', 'Jolly'],
    nouns: ['Building Set', 'Doll', 'Board Game', 'Puzzle', 'Kite', 'Robot'],
    medianPrice: 25,
    weight: 6,
  },
  {
    name: 'Grocery',
    subcategories: ['Snacks', 'Beverages', 'Pantry', 'Organic'],
    brands: ['Fieldfare', 'Daily Harvest', 'Brewbury', 'Greenleaf'],
    nouns: ['Coffee', 'Tea', 'Granola', 'Olive Oil', 'Chocolate', 'Pasta'],
    medianPrice: 8,
    weight: 8,
  },
  {
    name: 'Garden',
    subcategories: ['Tools', 'Plants', 'Furniture', 'Lighting'],
    brands: ['Greenthumb', 'Terra', 'Bloomwell', 'Yardly'],
    nouns: ['Pruner', 'Planter', 'Hose', 'Lounger', 'Solar Light', 'Seeds'],
    medianPrice: 30,
    weight: 4,
  },
  {
    name: 'Automotive',
    subcategories: ['Care', 'Electronics', 'Tools', 'Interior'],
    brands: ['Roadster', 'Gearhead', 'Motorline', 'Shine'],
    nouns: ['Dash Cam', 'Wax', 'Jump Starter', 'Seat Cover', 'Tire Gauge', 'Phone Mount'],
    medianPrice: 35,
    weight: 4,
  },
  {
    name: 'Pet Supplies',
    subcategories: ['Dogs', 'Cats', 'Fish', 'Small Pets'],
    brands: ['Pawsome', 'Whisker', 'Fetch', 'Aquaria'],
    nouns: ['Dog Bed', 'Cat Tree', 'Leash', 'Aquarium Filter', 'Treats', 'Litter Box'],
    medianPrice: 20,
    weight: 4,
  },
];

export const ADJECTIVES = [
  'Classic',
  'Pro',
  'Ultra',
  'Compact',
  'Deluxe',
  'Eco',
  'Smart',
  'Essential',
  'Premium',
  'Lite',
  'Max',
  'Travel',
] as const;

export const GENDERS = [
  ['M', 48],
  ['F', 48],
  ['Other', 4],
] as const;
export const LOCATIONS = [
  ['Urban', 55],
  ['Suburban', 33],
  ['Rural', 12],
] as const;
export const DEVICES = [
  ['Mobile', 60],
  ['Desktop', 30],
  ['Tablet', 10],
] as const;
export const VIEW_PAGES = [
  ['homepage', 30],
  ['search', 30],
  ['category', 25],
  ['recommendations', 15],
] as const;
